import type { StoredResource } from '../../runtime/controller.js';
import { ControllerError } from '../../runtime/controller.js';
import type { SysctlValue } from '../../runtime/ports.js';

/**
 * `net.ipv4.ip_forward` has one owner, SourceNat (docs/adr/0007-ip-forward-owner.md): it is the only controller
 * that plans a write, and it writes only 1. The other users of forwarding (PortForward) read it and report.
 */
export const IP_FORWARD = 'net.ipv4.ip_forward';

/** The PortForward resources that need forwarding, as `PortForward/<name>`: the owner watches that kind. */
export function forwardingUsers(kind: string, resources: readonly StoredResource[] | undefined): string[] {
  return (resources ?? []).map((r) => `${kind}/${r.name}`).sort();
}

/**
 * The owner's decision when forwarding is needed: write 1 if it is not, never 0 (turning it off could cut what
 * another controller, or the host, relies on). Read-only and not 1: `unavailable` says what cannot work.
 */
export function planIpForward(
  current: SysctlValue | undefined,
  unavailable: string,
): { op: 'setSysctl'; key: string; value: '1'; current?: string }[] {
  if (current?.value === '1') return [];
  if (!current?.writable) throw forwardingUnavailable(current, unavailable);
  return [{ op: 'setSysctl', key: IP_FORWARD, value: '1', ...(current.value ? { current: current.value } : {}) }];
}

/** Inert: forwarding is off and nobody here can turn it on. */
export function forwardingUnavailable(current: SysctlValue | undefined, consequence: string): ControllerError {
  return new ControllerError(
    'SysctlUnavailable',
    `${IP_FORWARD} is ${current?.value ?? 'missing'} and read-only here: ${consequence}`,
    true,
  );
}

/** For a user that does not own forwarding: off and read-only means it cannot work here (inert). */
export function assertForwardingPossible(current: SysctlValue, consequence: string): void {
  if (current.value !== '1' && !current.writable) throw forwardingUnavailable(current, consequence);
}

/** For a user that does not own forwarding: off (but writable) is a warning until the owner's pass turns it on. */
export function forwardingWarnings(current: SysctlValue, consequence: string): { reason: string; message: string }[] {
  if (current.value === '1' || !current.writable) return [];
  return [
    {
      reason: 'ForwardingOff',
      message: `${IP_FORWARD} is ${current.value ?? 'missing'}: ${consequence} until SourceNat, which owns it, turns it on`,
    },
  ];
}
