import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import {
  describeRejection,
  ResourceAdmission,
  type Admitted,
  type ConflictCheck,
  type Rejection,
} from '../../runtime/resource-admission.js';
import { parsePortRange } from '../../policy/ports.js';
import { validateFirewallPolicySpec, type FirewallPolicySpec, type RuleSpec } from './spec.js';
import type { ChainPolicy, FirewallAction, FirewallDesired, PolicyRule } from './types.js';

/** The merged desired state of every FirewallPolicy resource. */
export interface FirewallState {
  /** undefined when no resource exists: the controller then owns nothing. */
  policy?: FirewallDesired;
  /** Generations left out of the policy (invalid, conflicting, over maxRules): reported as warnings. */
  rejected: Rejection[];
}

export const DEFAULT_MAX_RULES = 20000;
const FORWARD_DEFAULT: FirewallAction = 'allow';
const INPUT_DEFAULT: FirewallAction = 'deny';
/** Errors kept per rejected generation in events and status: a bad 8 KB spec can carry hundreds. */
const LISTED_ERRORS = 5;

type Policy = Admitted<FirewallPolicySpec>;

/**
 * Decodes FirewallPolicy snapshots. It keeps the last admitted generation of each resource (ResourceAdmission), so an
 * edit gone wrong keeps that resource's previous rules in force: make one per controller.
 */
export function createFirewallDecoder(maxRules = DEFAULT_MAX_RULES): (s: KindSnapshot) => DecodeResult<FirewallState> {
  const admission = new ResourceAdmission(validateFirewallPolicySpec, conflictCheck(maxRules));
  return (snapshot) => {
    const { admitted, rejected } = admission.admit(snapshot);
    const ignored = rejected.map((r) => ({
      name: r.name,
      reason: describeRejection(firewallPolicyKind.kind, shortRejection(r)),
    }));
    if (admitted.length === 0 && rejected.length === 0) return { ok: true, desired: { spec: { rejected } }, ignored };
    const first = rejected[0];
    // Nothing admitted but something written: keep what runs (the last good state, or the kernel's table) rather than
    // deleting the firewall because of a bad edit.
    if (admitted.length === 0 && first) return allRejected(first, rejected);
    const ordered = [...admitted].sort(evaluationOrder);
    return {
      ok: true,
      desired: {
        // Status holds one name and generation per kind: several resources show as "a,b" and the newest generation.
        name: ordered.map((p) => p.name).join(','),
        generation: Math.max(...ordered.map((p) => p.generation)),
        spec: { policy: mergePolicies(ordered), rejected },
      },
      ignored,
    };
  };
}

/**
 * Resources evaluate by (order, name); rules keep their order inside a resource. Names compare by code unit, not
 * localeCompare, so every instance orders alike whatever its locale.
 */
function evaluationOrder(a: Policy, b: Policy): number {
  return a.spec.order - b.spec.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function allRejected(first: Rejection, rejected: readonly Rejection[]): DecodeResult<FirewallState> {
  const others = rejected.slice(1).flatMap((r) => r.errors.map((e) => `${firewallPolicyKind.kind}/${r.name}: ${e}`));
  return {
    ok: false,
    name: first.name,
    generation: first.generation,
    errors: summariseErrors([...first.errors, ...others]),
  };
}

export function shortRejection(r: Rejection): Rejection {
  return { ...r, errors: summariseErrors(r.errors) };
}

/** The first errors and how many more: enough to find the problem, small enough for a status document. */
export function summariseErrors(errors: readonly string[]): string[] {
  if (errors.length <= LISTED_ERRORS) return [...errors];
  return [...errors.slice(0, LISTED_ERRORS), `and ${errors.length - LISTED_ERRORS} more errors`];
}

/** Policies in evaluation order -> one policy per chain. */
function mergePolicies(ordered: readonly Policy[]): FirewallDesired {
  const forward: ChainPolicy = {
    rules: ordered.flatMap((p) => p.spec.rules.map((r, i) => policyRule(`${p.name}/rules[${i}]`, r))),
    defaultAction: firstSet(ordered, (spec) => spec.defaultAction) ?? FORWARD_DEFAULT,
  };
  const withInput = ordered.filter((p) => p.spec.input);
  if (withInput.length === 0) return { forward };
  const input: ChainPolicy = {
    rules: withInput.flatMap((p) =>
      (p.spec.input?.rules ?? []).map((r, i) => policyRule(`${p.name}/input.rules[${i}]`, r)),
    ),
    defaultAction: firstSet(withInput, (spec) => spec.input?.defaultAction) ?? INPUT_DEFAULT,
  };
  return { forward, input };
}

/** Admission lets at most one value through, so the first one set is the only one. */
function firstSet(
  policies: readonly Policy[],
  of: (spec: FirewallPolicySpec) => FirewallAction | undefined,
): FirewallAction | undefined {
  return policies.map((p) => of(p.spec)).find((a) => a !== undefined);
}

function policyRule(id: string, rule: RuleSpec): PolicyRule {
  return {
    id,
    action: rule.action,
    sources: rule.sourceCidrs ?? [],
    destinations: rule.destinationCidrs ?? [],
    protocol: rule.protocol,
    ports: (rule.destinationPorts ?? []).map(parsePortRange),
    ...(rule.comment !== undefined ? { comment: rule.comment } : {}),
  };
}

/** The settings of which the merged policy can hold only one value. */
const SINGLE_VALUED: readonly { field: string; of: (spec: FirewallPolicySpec) => FirewallAction | undefined }[] = [
  { field: 'defaultAction', of: (spec) => spec.defaultAction },
  { field: 'input.defaultAction', of: (spec) => spec.input?.defaultAction },
];

/** A candidate conflicts when it sets another default than an earlier claim, or takes the policy over maxRules. */
function conflictCheck(maxRules: number): ConflictCheck<FirewallPolicySpec> {
  return (candidate, admitted) => {
    for (const { field, of } of SINGLE_VALUED) {
      const wanted = of(candidate.spec);
      const other = wanted && admitted.find((p) => of(p.spec) !== undefined && of(p.spec) !== wanted);
      if (other) return `${field} ${wanted} conflicts with ${String(of(other.spec))} set by ${owner(other)}`;
    }
    const total = [...admitted, candidate].reduce((n, p) => n + ruleCount(p.spec), 0);
    if (total > maxRules)
      return `its ${ruleCount(candidate.spec)} rules would bring the policy to ${total} rules, over the maximum of ${maxRules}`;
    return undefined;
  };
}

function ruleCount(spec: FirewallPolicySpec): number {
  return spec.rules.length + (spec.input?.rules.length ?? 0);
}

function owner(p: Policy): string {
  return `${firewallPolicyKind.kind}/${p.name} generation ${p.generation}`;
}
