import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import { MAX_PORT, parsePortRange } from '../../policy/ports.js';
import { checkCidrList } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import type { FirewallAction, FirewallProtocol } from './types.js';

/** One rule as written: a port is 443 or "8000-8100". */
export interface RuleSpec {
  action: FirewallAction;
  sourceCidrs?: string[];
  destinationCidrs?: string[];
  protocol: FirewallProtocol;
  destinationPorts?: (number | string)[];
  comment?: string;
}

/** The FirewallPolicy spec after schema validation (defaults applied). */
export interface FirewallPolicySpec {
  order: number;
  defaultAction?: FirewallAction;
  rules: RuleSpec[];
  input?: { defaultAction?: FirewallAction; rules: RuleSpec[] };
}

/** A rule compiles to sources × destinations × ports set elements: a bound keeps one rule from flooding the kernel. */
export const MAX_ELEMENTS_PER_RULE = 4096;

const validator = new SpecValidator([firewallPolicyKind]);

/** Schema validation, then the checks a schema cannot express (host bits, overlaps, port ranges). */
export function validateFirewallPolicySpec(raw: unknown): Validation<FirewallPolicySpec> {
  const result = validator.validate<FirewallPolicySpec>(firewallPolicyKind, raw);
  if (!result.ok) return result;
  const errors = [
    ...result.value.rules.flatMap((rule, i) => checkRule(`spec.rules[${i}]`, rule)),
    ...(result.value.input?.rules ?? []).flatMap((rule, i) => checkRule(`spec.input.rules[${i}]`, rule)),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}

function checkRule(field: string, rule: RuleSpec): string[] {
  const ports = rule.destinationPorts ?? [];
  const portsOnly =
    ports.length > 0 && rule.protocol !== 'tcp' && rule.protocol !== 'udp'
      ? [`${field}.destinationPorts: only valid with protocol tcp or udp (protocol is ${rule.protocol})`]
      : [];
  const elements =
    Math.max(1, rule.sourceCidrs?.length ?? 0) *
    Math.max(1, rule.destinationCidrs?.length ?? 0) *
    Math.max(1, ports.length);
  const tooMany =
    elements > MAX_ELEMENTS_PER_RULE
      ? [
          `${field}: sources × destinations × ports is ${elements} set elements, over ${MAX_ELEMENTS_PER_RULE}; split the rule`,
        ]
      : [];
  return [
    ...tooMany,
    ...checkCidrList(`${field}.sourceCidrs`, rule.sourceCidrs ?? []),
    ...checkCidrList(`${field}.destinationCidrs`, rule.destinationCidrs ?? []),
    ...portsOnly,
    ...checkPorts(`${field}.destinationPorts`, ports),
  ];
}

/** Range bounds and order, then overlaps between entries (a set of intervals refuses overlapping elements). */
function checkPorts(field: string, ports: readonly (number | string)[]): string[] {
  const ranges = ports.map(parsePortRange);
  return ranges.flatMap((range, i) => {
    const text = String(ports[i]);
    if (range.first < 1 || range.last > MAX_PORT) return [`${field}[${i}]: ${text} is outside 1-${MAX_PORT}`];
    if (range.first > range.last) return [`${field}[${i}]: ${text} is reversed`];
    const other = ranges.findIndex(
      (o, j) => j < i && o.first <= o.last && o.first <= range.last && range.first <= o.last,
    );
    return other >= 0 ? [`${field}[${i}]: ${text} overlaps ${field}[${other}] (${String(ports[other])})`] : [];
  });
}
