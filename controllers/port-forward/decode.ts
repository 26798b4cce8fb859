import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import {
  describeRejection,
  ResourceAdmission,
  type Admitted,
  type ConflictCheck,
} from '../../runtime/resource-admission.js';
import type { PortRange } from '../../policy/ports.js';
import { ClaimIndex } from './claims.js';
import { forwardsOf, listenClashMessage, masqueradeClashMessage, targetPorts, type Forward } from './forwards.js';
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
      forwards: admitted.flatMap(admittedForwards),
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

/** Each resource's forwards once per decode, for the conflict checks and the desired state alike. */
const forwardsCache = new WeakMap<Admitted<PortForwardSpec>, Forward[]>();

function admittedForwards(resource: Admitted<PortForwardSpec>): Forward[] {
  const cached = forwardsCache.get(resource);
  if (cached) return cached;
  const forwards = forwardsOf(resource.name, resource.spec);
  forwardsCache.set(resource, forwards);
  return forwards;
}

/** Why a resource cannot join those admitted before it: the rule limit, a claimed port, a masquerade clash. */
export function portForwardConflicts(maxRules: number): ConflictCheck<PortForwardSpec> {
  // Admission passes one array per decode and appends each resource it admits: the index follows it, so every
  // resource is indexed once per decode. Any other array (the next decode) starts a new index.
  let indexed: { admitted: readonly Admitted<PortForwardSpec>[]; count: number; claims: AdmittedClaims } | undefined;
  let lastIndexed: Admitted<PortForwardSpec> | undefined;
  return (candidate, admitted) => {
    const inUse = admitted.reduce((n, a) => n + a.spec.rules.length, 0);
    const total = inUse + candidate.spec.rules.length;
    if (total > maxRules) {
      return `spec.rules: its ${candidate.spec.rules.length} rules would make ${total} port forwards, more than the limit of ${maxRules}`;
    }
    if (!indexed || indexed.admitted !== admitted || admitted[indexed.count - 1] !== lastIndexed)
      indexed = { admitted, count: 0, claims: new AdmittedClaims() };
    indexed.claims.add(admitted.slice(indexed.count).flatMap(admittedForwards));
    indexed.count = admitted.length;
    lastIndexed = admitted[admitted.length - 1];
    const messages = indexed.claims.clashes(admittedForwards(candidate));
    if (messages.length === 0) return undefined;
    const more = messages.length - SHOWN_CONFLICTS;
    return messages.slice(0, SHOWN_CONFLICTS).join('; ') + (more > 0 ? `; and ${more} more` : '');
  };
}

/**
 * Listen claims (by protocol) and masquerade targets (by address, protocol and masquerade) of admitted forwards.
 * Admitted resources are consistent among themselves, and so is a candidate (its spec was validated), so every
 * clash pairs one of the candidate's rules with an admitted one.
 */
class AdmittedClaims {
  private readonly listen = new ClaimIndex();
  private readonly targets = new ClaimIndex();

  add(forwards: readonly Forward[]): void {
    this.listen.add(forwards.map((forward) => ({ key: forward.protocol, claim: { range: forward.listen, forward } })));
    this.targets.add(
      forwards.map((forward) => ({
        key: targetKey(forward, forward.masquerade),
        claim: { range: targetPorts(forward), forward },
      })),
    );
  }

  /** Messages in port order: listen clashes first, then masquerade clashes. */
  clashes(forwards: readonly Forward[]): string[] {
    const listen = forwards.flatMap((f) => {
      const other = this.listen.overlapping(f.protocol, f.listen);
      return other
        ? [{ key: f.protocol, range: f.listen, message: listenClashMessage(f, other, ruleName(other)) }]
        : [];
    });
    const masquerade = forwards.flatMap((f) => {
      const other = this.targets.overlapping(targetKey(f, !f.masquerade), targetPorts(f));
      const message = other && masqueradeClashMessage(f, other, ruleName(other));
      return message ? [{ key: targetKey(f, true), range: targetPorts(f), message }] : [];
    });
    return [...inPortOrder(listen), ...inPortOrder(masquerade)];
  }
}

/** Only clashes are sorted: a candidate without any (the usual case) costs no sort. */
function inPortOrder(clashes: { key: string; range: PortRange; message: string }[]): string[] {
  clashes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.range.first - b.range.first));
  return clashes.map((c) => c.message);
}

function targetKey(forward: Forward, masquerade: boolean): string {
  return `${forward.destinationIp} ${forward.protocol} ${String(masquerade)}`;
}

function ruleName(forward: Forward): string {
  return `${portForwardKind.kind}/${forward.resource} rules[${forward.rule}]`;
}
