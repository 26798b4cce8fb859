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
    indexed.claims.add(admitted.slice(indexed.count).flatMap((a) => forwardsOf(a.name, a.spec)));
    indexed.count = admitted.length;
    lastIndexed = admitted[admitted.length - 1];
    const messages = indexed.claims.clashes(forwardsOf(candidate.name, candidate.spec));
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
    const byPort = (key: (f: Forward) => string, range: (f: Forward) => PortRange): Forward[] =>
      [...forwards].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : range(a).first - range(b).first));
    const listen = byPort(
      (f) => f.protocol,
      (f) => f.listen,
    ).flatMap((f) => {
      const other = this.listen.overlapping(f.protocol, f.listen);
      return other ? [listenClashMessage(f, other, ruleName(other))] : [];
    });
    const masquerade = byPort((f) => targetKey(f, true), targetPorts).flatMap((f) => {
      const other = this.targets.overlapping(targetKey(f, !f.masquerade), targetPorts(f));
      return other ? [masqueradeClashMessage(f, other, ruleName(other))] : [];
    });
    return [...listen, ...masquerade];
  }
}

function targetKey(forward: Forward, masquerade: boolean): string {
  return `${forward.destinationIp} ${forward.protocol} ${String(masquerade)}`;
}

function ruleName(forward: Forward): string {
  return `${portForwardKind.kind}/${forward.resource} rules[${forward.rule}]`;
}
