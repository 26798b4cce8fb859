import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { reversedRange } from '../../policy/ports.js';
import { checkCidrList, cidrContains } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import {
  forwardsOf,
  listenClashes,
  listenClashMessage,
  masqueradeClashes,
  masqueradeClashMessage,
  type ForwardPair,
} from './forwards.js';

export type ForwardProtocol = 'tcp' | 'udp';

/** One rule after schema validation (defaults applied). Exactly one of listenPort / listenPortRange is set. */
export interface PortForwardRule {
  listenPort?: number;
  listenPortRange?: string;
  protocol: ForwardProtocol;
  destinationIp: string;
  destinationPort?: number;
  allowedSourceCidrs?: string[];
  masquerade: boolean;
  description?: string;
}

export interface PortForwardSpec {
  rules: PortForwardRule[];
}

const validator = new SpecValidator([portForwardKind]);

/** Never a reachable target: "this network", loopback, multicast, and 240/4 (with the broadcast address). */
const NOT_UNICAST = ['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4'];

/** Schema validation, then what a schema cannot express: ranges, host bits, overlaps between rules. */
export function validatePortForwardSpec(raw: unknown): Validation<PortForwardSpec> {
  const result = validator.validate<PortForwardSpec>(portForwardKind, raw);
  if (!result.ok) return result;
  const ruleErrors = result.value.rules.flatMap(checkRule);
  // Overlap messages would only repeat a broken rule's own error, so they wait until every rule is sound.
  const errors = ruleErrors.length > 0 ? ruleErrors : checkOverlaps(result.value);
  return errors.length > 0 ? { ok: false, errors } : result;
}

function checkRule(rule: PortForwardRule, i: number): string[] {
  const field = `spec.rules[${i}]`;
  const errors: string[] = [];
  const reversed =
    rule.listenPortRange !== undefined && reversedRange(`${field}.listenPortRange`, rule.listenPortRange);
  if (reversed) errors.push(reversed);
  if (rule.listenPortRange !== undefined && rule.destinationPort !== undefined) {
    errors.push(`${field}.destinationPort: not allowed with listenPortRange, which keeps each port`);
  }
  if (NOT_UNICAST.some((cidr) => cidrContains(cidr, rule.destinationIp))) {
    errors.push(`${field}.destinationIp: ${rule.destinationIp} is not a unicast host address`);
  }
  return [...errors, ...checkCidrList(`${field}.allowedSourceCidrs`, rule.allowedSourceCidrs ?? [])];
}

function checkOverlaps(spec: PortForwardSpec): string[] {
  const forwards = forwardsOf('', spec);
  // The rule listed later is the one reported, naming the earlier one.
  const ordered = ([a, b]: ForwardPair): ForwardPair => (a.rule < b.rule ? [a, b] : [b, a]);
  return [
    ...listenClashes(forwards)
      .map(ordered)
      .map(([earlier, later]) => listenClashMessage(later, earlier, `spec.rules[${earlier.rule}]`)),
    ...masqueradeClashes(forwards)
      .map(ordered)
      .map(([earlier, later]) => masqueradeClashMessage(later, earlier, `spec.rules[${earlier.rule}]`)),
  ];
}
