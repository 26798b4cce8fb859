import { isObject } from '../../../renderers/nft/elements.js';
import type { NftRule, NftTable } from '../../../renderers/nft/model.js';
import { ipv4ToNumber } from '../../../runtime/net/cidr.js';
import type {
  CompiledFirewall,
  CompiledGroup,
  FirewallAction,
  FirewallChainName,
  FirewallDesired,
  FirewallPacket,
  FirewallVerdict,
} from '../types.js';
import { ANY_PORT, elementSpans, PROTOCOL_NUMBER, type Span } from './box.js';
import { ruleMatches } from './first-match.js';

/** A value an expression reads from the packet; undefined is "some value we cannot know" (see fieldValue). */
type Value = string | number | undefined | Value[];

interface Decision {
  action: FirewallAction;
  /** The set whose lookup matched in the deciding rule. */
  set?: string;
}

/**
 * What the compiled table does with a new packet, found by interpreting its rules and set elements as the kernel
 * would, not from the group metadata, so explain cannot disagree with the kernel. `ruleId` is the earliest rule of
 * `desired` with the decided action that matches the packet, which is firstMatch's rule whenever the table keeps the
 * policy's decisions. The matched group's ruleIds cannot tell it alone: hoisting may put a later rule of the same
 * action in an earlier group than the rule that decides. It is absent when no such rule exists (table and policy
 * disagree).
 */
export function evaluateCompiled(
  compiled: CompiledFirewall,
  chain: FirewallChainName,
  packet: FirewallPacket,
  desired: FirewallDesired,
): FirewallVerdict {
  const nftChain = compiled.table.chains.find((c) => c.name === chain);
  // Without the chain nothing filters on that hook: the kernel lets the packet through.
  if (!nftChain) return { action: 'allow' };
  for (const [index, rule] of nftChain.rules.entries()) {
    const decision = evaluateRule(rule, packet, compiled.table);
    if (!decision) continue;
    if (decision.set === undefined) return { action: decision.action };
    const decider = desired[chain]?.rules.find((r) => r.action === decision.action && ruleMatches(r, packet));
    const group = groupAt(compiled, chain, index)?.set ?? decision.set;
    return { action: decision.action, group, ...(decider ? { ruleId: decider.id } : {}) };
  }
  return { action: nftChain.base?.policy === 'drop' ? 'deny' : 'allow' };
}

/** The group a lookup rule belongs to: a shard's rule names its group's set, as status does ("f0", not "f0s3"). */
function groupAt(compiled: CompiledFirewall, chain: FirewallChainName, index: number): CompiledGroup | undefined {
  return compiled.groups.find(
    (g) => g.chain === chain && g.ruleIndex <= index && index < g.ruleIndex + (g.shards ?? 1),
  );
}

/** All match statements must hold; then the first verdict decides. A rule without a verdict (counter only) falls through. */
function evaluateRule(rule: NftRule, packet: FirewallPacket, table: NftTable): Decision | undefined {
  let set: string | undefined;
  for (const statement of rule.expr) {
    if (isObject(statement.match)) {
      const { op, left, right } = statement.match;
      if (!holds(op, fieldValue(left, packet), right, table)) return undefined;
      if (typeof right === 'string' && right.startsWith('@')) set = right.slice(1);
    } else if (!('counter' in statement)) {
      return { action: verdictAction(statement), ...(set === undefined ? {} : { set }) };
    }
  }
  return undefined;
}

function holds(op: unknown, value: Value, right: unknown, table: NftTable): boolean {
  if (op === '==' && typeof right === 'string' && right.startsWith('@')) return inSet(table, right.slice(1), value);
  if (op === 'in' && Array.isArray(right)) return right.includes(value);
  if (op === '==') return value !== undefined && value === right;
  throw new Error(`cannot interpret match ${JSON.stringify({ op, right })}`);
}

/**
 * The value an expression reads from a new packet. ct state is "new"; the interface is never lo; th dport of an
 * ICMP packet is whatever bytes sit there (undefined: only a component spanning every port is sure to hold it).
 */
function fieldValue(expr: unknown, packet: FirewallPacket): Value {
  if (isObject(expr) && Array.isArray(expr.concat)) return expr.concat.map((e) => fieldValue(e, packet));
  const key = JSON.stringify(expr);
  if (key === '{"ct":{"key":"state"}}') return 'new';
  if (key === '{"meta":{"key":"iifname"}}') return undefined;
  if (key === '{"meta":{"key":"l4proto"}}') return PROTOCOL_NUMBER[packet.protocol];
  if (key === '{"payload":{"protocol":"ip","field":"saddr"}}') return ipv4ToNumber(packet.src);
  if (key === '{"payload":{"protocol":"ip","field":"daddr"}}') return ipv4ToNumber(packet.dst);
  if (key === '{"payload":{"protocol":"th","field":"dport"}}')
    return packet.protocol === 'icmp' ? undefined : (packet.dport ?? 0);
  throw new Error(`cannot interpret expression ${key}`);
}

function inSet(table: NftTable, name: string, value: Value): boolean {
  const set = table.sets.find((s) => s.name === name);
  if (!set) throw new Error(`rule looks up a missing set @${name}`);
  const key = Array.isArray(value) ? value : [value];
  return set.elements.some((element) => {
    const spans = elementSpans(element);
    return spans.length === key.length && spans.every((span, i) => spanHolds(span, key[i]));
  });
}

function spanHolds(span: Span, value: Value): boolean {
  if (value === undefined) return span.lo === ANY_PORT.lo && span.hi === ANY_PORT.hi;
  return typeof value === 'number' && span.lo <= value && value <= span.hi;
}

function verdictAction(statement: Record<string, unknown>): FirewallAction {
  if ('accept' in statement) return 'allow';
  if ('drop' in statement) return 'deny';
  if ('reject' in statement) return 'reject';
  throw new Error(`cannot interpret statement ${JSON.stringify(statement)}`);
}
