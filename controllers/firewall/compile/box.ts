import { cidrRange, ipv4ToNumber } from '../../../runtime/net/cidr.js';
import type { PortRange } from '../../../policy/ports.js';
import type { FirewallProtocol, PolicyRule } from '../types.js';

/** An inclusive integer interval of one lookup dimension. */
export interface Span {
  lo: number;
  hi: number;
}

/** An address span that is a CIDR prefix: prefixes either nest or are disjoint, which the overlap index relies on. */
export interface Prefix extends Span {
  len: number;
}

/** One set element as a box in the 4-D key space source × destination × protocol × destination port. */
export interface Box {
  src: Prefix;
  dst: Prefix;
  proto: Span;
  port: Span;
}

export const PROTOCOL_NUMBER: Record<Exclude<FirewallProtocol, 'any'>, number> = { icmp: 1, tcp: 6, udp: 17 };
const ANY_PROTOCOL: Span = { lo: 0, hi: 255 };
export const ANY_PORT: Span = { lo: 0, hi: 65535 };
const ANY_ADDRESS = '0.0.0.0/0';
/** Character codes of '.', '/' and '0'. */
const [DOT, SLASH, ZERO] = [46, 47, 48] as const;

function spanContains(outer: Span, inner: Span): boolean {
  return outer.lo <= inner.lo && inner.hi <= outer.hi;
}

export function boxContains(outer: Box, inner: Box): boolean {
  return (
    spanContains(outer.src, inner.src) &&
    spanContains(outer.dst, inner.dst) &&
    spanContains(outer.proto, inner.proto) &&
    spanContains(outer.port, inner.port)
  );
}

function spansOverlap(a: Span, b: Span): boolean {
  return a.lo <= b.hi && b.lo <= a.hi;
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return (
    spansOverlap(a.src, b.src) &&
    spansOverlap(a.dst, b.dst) &&
    spansOverlap(a.proto, b.proto) &&
    spansOverlap(a.port, b.port)
  );
}

/** The rule's elements: the cross product of its sources, destinations and ports, an empty list meaning "any". */
export function ruleBoxes(rule: PolicyRule): Box[] {
  const sources = (rule.sources.length > 0 ? rule.sources : [ANY_ADDRESS]).map(toPrefix);
  const destinations = (rule.destinations.length > 0 ? rule.destinations : [ANY_ADDRESS]).map(toPrefix);
  const proto = rule.protocol === 'any' ? ANY_PROTOCOL : point(PROTOCOL_NUMBER[rule.protocol]);
  const ports = rulePorts(rule.protocol, rule.ports);
  const boxes: Box[] = [];
  for (const src of sources)
    for (const dst of destinations) for (const port of ports) boxes.push({ src, dst, proto, port });
  return boxes;
}

/** Ports only apply to tcp and udp: icmp and any rules match every value of `th dport`. */
function rulePorts(protocol: FirewallProtocol, ports: readonly PortRange[]): Span[] {
  if ((protocol !== 'tcp' && protocol !== 'udp') || ports.length === 0) return [ANY_PORT];
  return ports.map((p) => ({ lo: p.first, hi: p.last }));
}

/**
 * A hand-rolled parse of a validated "a.b.c.d/len": the split-based parser of runtime/net made parsing the largest
 * single cost of compiling 10,000 rules.
 */
function toPrefix(cidr: string): Prefix {
  let lo = 0;
  let octet = 0;
  let at = 0;
  for (; at < cidr.length; at++) {
    const code = cidr.charCodeAt(at);
    if (code === SLASH) break;
    if (code === DOT) {
      lo = lo * 256 + octet;
      octet = 0;
    } else octet = octet * 10 + code - ZERO;
  }
  const len = at < cidr.length ? Number(cidr.slice(at + 1)) : 32;
  const size = 2 ** (32 - len);
  // Host bits are cleared again so a stray non-canonical CIDR still yields a canonical element.
  lo = lo * 256 + octet;
  lo -= lo % size;
  return { lo, hi: lo + size - 1, len };
}

function point(n: number): Span {
  return { lo: n, hi: n };
}

/** The canonical element string (model.ts): "a.b.c.d/len . a.b.c.d/len . proto . port", numbers never names. */
export function boxElement(box: Box): string {
  return [prefixText(box.src), prefixText(box.dst), spanText(box.proto), spanText(box.port)].join(' . ');
}

function prefixText(p: Prefix): string {
  return `${p.lo >>> 24}.${(p.lo >>> 16) & 255}.${(p.lo >>> 8) & 255}.${p.lo & 255}/${p.len}`;
}

function spanText(s: Span): string {
  return s.lo === s.hi ? String(s.lo) : `${s.lo}-${s.hi}`;
}

/** Parses one canonical element back into spans, one per concatenated component. */
export function elementSpans(element: string): Span[] {
  return element.split(' . ').map(componentSpan);
}

function componentSpan(component: string): Span {
  if (component.includes('/')) {
    const { first, last } = cidrRange(component);
    return { lo: first, hi: last };
  }
  const [a = '', b = a] = component.split('-');
  return { lo: componentNumber(a), hi: componentNumber(b) };
}

function componentNumber(text: string): number {
  return text.includes('.') ? ipv4ToNumber(text) : Number(text);
}
