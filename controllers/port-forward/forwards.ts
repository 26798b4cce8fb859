import { formatPortRange, parsePortRange, type PortRange } from '../../policy/ports.js';
import { canonicalCidr } from '../../runtime/net/cidr.js';
import type { ForwardProtocol, PortForwardSpec } from './spec.js';

/** One rule of one resource with its defaults resolved: what the table compiles and what conflicts compare. */
export interface Forward {
  resource: string;
  rule: number;
  listenField: 'listenPort' | 'listenPortRange';
  protocol: ForwardProtocol;
  listen: PortRange;
  destinationIp: string;
  /** undefined: each connection keeps the port it arrived on. */
  destinationPort?: number;
  /** Canonical CIDRs; any source is 0.0.0.0/0. */
  sources: string[];
  masquerade: boolean;
  description?: string;
}

export type ForwardPair = [Forward, Forward];

export function forwardsOf(resource: string, spec: PortForwardSpec): Forward[] {
  return spec.rules.map((rule, index) => {
    return {
      resource,
      rule: index,
      listenField: rule.listenPortRange !== undefined ? 'listenPortRange' : 'listenPort',
      protocol: rule.protocol,
      listen: parsePortRange(rule.listenPortRange ?? rule.listenPort ?? 0),
      destinationIp: rule.destinationIp,
      ...(rule.destinationPort !== undefined ? { destinationPort: rule.destinationPort } : {}),
      // Most rules allow any source: that default is canonical already (this runs for every rule on every decode).
      sources: rule.allowedSourceCidrs ? rule.allowedSourceCidrs.map(canonicalCidr) : ['0.0.0.0/0'],
      masquerade: rule.masquerade,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
    };
  });
}

/** The ports connections reach on the target. */
export function targetPorts(forward: Forward): PortRange {
  const port = forward.destinationPort;
  return port === undefined ? forward.listen : { first: port, last: port };
}

/** Forwards claiming an overlapping protocol + listen port. */
export function listenClashes(forwards: readonly Forward[]): ForwardPair[] {
  return overlapping(forwards, (f) => ({ key: f.protocol, range: f.listen, side: 0 }), false);
}

/**
 * Forwards that reach an overlapping target but disagree on masquerade. The postrouting chain sees only the
 * translated connection, so it could not apply both choices.
 */
export function masqueradeClashes(forwards: readonly Forward[]): ForwardPair[] {
  const keyOf = (f: Forward): { key: string; range: PortRange; side: number } => ({
    key: `${f.destinationIp} ${f.protocol}`,
    range: targetPorts(f),
    side: f.masquerade ? 1 : 0,
  });
  return overlapping(forwards, keyOf, true);
}

/** The message for `offender`, whose claim overlaps `other`'s (named `otherName`). */
export function listenClashMessage(offender: Forward, other: Forward, otherName: string): string {
  const claim = (f: Forward): string => `${f.protocol} ${formatPortRange(f.listen)}`;
  return `spec.rules[${offender.rule}].${offender.listenField}: ${claim(offender)} is already claimed by ${otherName} (${claim(other)})`;
}

export function masqueradeClashMessage(offender: Forward, other: Forward, otherName: string): string {
  const target = `${offender.destinationIp} ${offender.protocol} ${formatPortRange(targetPorts(offender))}`;
  return (
    `spec.rules[${offender.rule}].masquerade: ${String(offender.masquerade)} differs from ${otherName}, which ` +
    `also forwards to ${target}; after translation the gateway cannot tell their connections apart`
  );
}

interface Interval {
  key: string;
  range: PortRange;
  side: number;
}

/**
 * Overlapping pairs among intervals of equal key, in one sorted sweep (O(n log n) for tens of thousands of rules).
 * With `acrossSides` only pairs from different sides count. Each interval is paired with the earlier interval
 * that reaches furthest, so every clashing interval is reported at least once.
 */
function overlapping(
  forwards: readonly Forward[],
  intervalOf: (f: Forward) => Interval,
  acrossSides: boolean,
): ForwardPair[] {
  const items = forwards.map((forward) => ({ forward, ...intervalOf(forward) }));
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.range.first - b.range.first));
  const pairs: ForwardPair[] = [];
  let reach = new Map<number, (typeof items)[number]>();
  items.forEach((item, i) => {
    if (i > 0 && items[i - 1]?.key !== item.key) reach = new Map();
    for (const [side, other] of reach) {
      const eligible = acrossSides ? side !== item.side : true;
      if (eligible && other.range.last >= item.range.first) pairs.push([other.forward, item.forward]);
    }
    const furthest = reach.get(item.side);
    if (!furthest || furthest.range.last < item.range.last) reach.set(item.side, item);
  });
  return pairs;
}
