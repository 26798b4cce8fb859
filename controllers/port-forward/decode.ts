import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import {
  describeRejection,
  ResourceAdmission,
  type Admitted,
  type ConflictCheck,
} from '../../runtime/resource-admission.js';
import {
  forwardsOf,
  listenClashes,
  listenClashMessage,
  masqueradeClashes,
  masqueradeClashMessage,
  type Forward,
  type ForwardPair,
} from './forwards.js';
import { validatePortForwardSpec, type PortForwardSpec } from './spec.js';
import type { PortForwardDesired } from './types.js';

/** At most this many conflicts are spelled out per rejection; the rest are counted. */
const SHOWN_CONFLICTS = 3;

/**
 * A decoder that remembers each resource's last admitted generation (ResourceAdmission): a rejected edit keeps the
 * previous rules of that resource running. Rejections are reported as ignored resources and kept in the desired
 * state, where warnings() and details() find them.
 */
export function createPortForwardDecoder(
  maxRules: number,
): (snapshot: KindSnapshot) => DecodeResult<PortForwardDesired> {
  const admission = new ResourceAdmission(validatePortForwardSpec, portForwardConflicts(maxRules));
  return (snapshot) => {
    const { admitted, rejected, holdAsFound } = admission.admit(snapshot);
    const spec: PortForwardDesired = {
      forwards: admitted.flatMap((a) => forwardsOf(a.name, a.spec)),
      resources: admitted.map((a) => ({ name: a.name, generation: a.generation, rules: a.spec.rules.length })),
      rejected,
      ...(holdAsFound ? { holdAsFound } : {}),
    };
    const ignored = rejected.map((r) => ({ name: r.name, reason: describeRejection(portForwardKind.kind, r) }));
    if (admitted.length === 0) return { ok: true, desired: { spec }, ignored };
    // Status holds one name and generation per kind: several resources show as "a,b" and the newest generation.
    const name = admitted.map((a) => a.name).join(',');
    const generation = Math.max(...admitted.map((a) => a.generation));
    return { ok: true, desired: { name, generation, spec }, ignored };
  };
}

/** Why a resource cannot join those admitted before it: the rule limit, a claimed port, a masquerade clash. */
export function portForwardConflicts(maxRules: number): ConflictCheck<PortForwardSpec> {
  return (candidate, admitted) => {
    const inUse = admitted.reduce((n, a) => n + a.spec.rules.length, 0);
    const total = inUse + candidate.spec.rules.length;
    if (total > maxRules) {
      return `spec.rules: its ${candidate.spec.rules.length} rules would make ${total} port forwards, more than the limit of ${maxRules}`;
    }
    const all = [...admitted.flatMap((a) => forwardsOf(a.name, a.spec)), ...forwardsOf(candidate.name, candidate.spec)];
    const messages = [
      ...listenClashes(all).map((pair) => clash(candidate, pair, listenClashMessage)),
      ...masqueradeClashes(all).map((pair) => clash(candidate, pair, masqueradeClashMessage)),
    ];
    if (messages.length === 0) return undefined;
    const more = messages.length - SHOWN_CONFLICTS;
    return messages.slice(0, SHOWN_CONFLICTS).join('; ') + (more > 0 ? `; and ${more} more` : '');
  };
}

/** Admitted resources are consistent among themselves, so every clash pairs one of the candidate's rules. */
function clash(
  candidate: Admitted<PortForwardSpec>,
  [a, b]: ForwardPair,
  message: (offender: Forward, other: Forward, otherName: string) => string,
): string {
  const [offender, other] = a.resource === candidate.name ? [a, b] : [b, a];
  return message(offender, other, `${portForwardKind.kind}/${other.resource} rules[${other.rule}]`);
}
