import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { describeRejection, ResourceAdmission, type ConflictCheck } from '../../runtime/resource-admission.js';
import { validateLoadBalancerSpec, type ListenerSpec, type LoadBalancerSpec } from './spec.js';
import type { LbService, LoadBalancerDesired } from './types.js';

/**
 * A decoder that admits LoadBalancer resources in claim order (ResourceAdmission): a resource whose listener is
 * already claimed is rejected with a reason, and a rejected edit keeps the resource's last admitted generation.
 */
export function createLoadBalancerDecoder(
  maxServices: number,
): (snapshot: KindSnapshot) => DecodeResult<LoadBalancerDesired> {
  const admission = new ResourceAdmission(validateLoadBalancerSpec, listenerConflicts(maxServices));
  return (snapshot) => {
    const { admitted, rejected, holdAsFound } = admission.admit(snapshot);
    const ids = serviceIds(admitted.map((a) => a.name));
    const services: LbService[] = admitted.map((a) => ({ ...a, id: ids.get(a.name) ?? 0 }));
    const spec: LoadBalancerDesired = { services, rejected, ...(holdAsFound ? { holdAsFound } : {}) };
    const ignored = rejected.map((r) => ({ name: r.name, reason: describeRejection(loadBalancerKind.kind, r) }));
    if (admitted.length === 0) return { ok: true, desired: { spec }, ignored };
    const name = admitted.map((a) => a.name).join(',');
    const generation = Math.max(...admitted.map((a) => a.generation));
    return { ok: true, desired: { name, generation, spec }, ignored };
  };
}

/** Why a resource cannot join: the service limit, or a protocol/address/port already claimed. */
export function listenerConflicts(maxServices: number): ConflictCheck<LoadBalancerSpec> {
  return (candidate, admitted) => {
    if (admitted.length >= maxServices) return `the limit of ${maxServices} LoadBalancer resources is reached`;
    const other = admitted.find((a) => listenersOverlap(a.spec.listener, candidate.spec.listener));
    if (!other) return undefined;
    return (
      `spec.listener: ${describeListener(candidate.spec.listener)} is already claimed by ` +
      `${loadBalancerKind.kind}/${other.name} (${describeListener(other.spec.listener)})`
    );
  };
}

/** Same protocol and port, and the same address or either on any address. */
export function listenersOverlap(a: ListenerSpec, b: ListenerSpec): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  return a.address === undefined || b.address === undefined || a.address === b.address;
}

function describeListener(l: ListenerSpec): string {
  return `${l.protocol} ${l.address ?? 'any address'}:${l.port}`;
}

/**
 * A stable id per resource name (1..0xffff), from a hash of the name with linear probing in name order: the same
 * names give the same ids on every instance and after a restart, so IPVS services and chains are not renamed.
 */
export function serviceIds(names: readonly string[]): Map<string, number> {
  const taken = new Set<number>();
  const ids = new Map<string, number>();
  for (const name of [...names].sort()) {
    let id = (fnv1a(name) % 0xffff) + 1;
    while (taken.has(id)) id = (id % 0xffff) + 1;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
