import { elementFromJson, isObject, protocolNumber, sortElements } from './elements.js';
import type { NftChain, NftRule, NftSet, NftStatement, NftTable, ObservedTable, RuleCounter } from './model.js';

/**
 * Decodes `nft -j list table` output into the model, normalised so it deep-equals a desired table: handles dropped,
 * counter values moved aside, set elements canonical and sorted. Objects the model does not know (maps, flowtables,
 * named counters ...) are reported in `foreign` so planners see them as drift.
 */
export function decodeListTable(json: unknown): (ObservedTable & { foreign: string[] }) | undefined {
  const items = isObject(json) && Array.isArray(json.nftables) ? (json.nftables as unknown[]) : [];
  const tableItem = items.find((i) => isObject(i) && isObject(i.table));
  if (!isObject(tableItem) || !isObject(tableItem.table)) return undefined;
  const head = tableItem.table;
  const table: NftTable = { family: head.family as NftTable['family'], name: String(head.name), sets: [], chains: [] };
  const counters: RuleCounter[] = [];
  const foreign: string[] = [];
  // Rules refer to chains by name, so chains are decoded first whatever order the listing uses.
  const isRule = (i: unknown): boolean => isObject(i) && 'rule' in i;
  for (const item of items.filter((i) => !isRule(i))) decodeItem(item, table, counters, foreign);
  for (const item of items.filter(isRule)) decodeItem(item, table, counters, foreign);
  return { table, counters, foreign };
}

function decodeItem(item: unknown, table: NftTable, counters: RuleCounter[], foreign: string[]): void {
  if (!isObject(item)) return;
  const [key = 'unknown', body] = Object.entries(item)[0] ?? [];
  if (key === 'metainfo' || key === 'table') return;
  if (!isObject(body)) foreign.push(key);
  else if (key === 'set' || key === 'map') table.sets.push(decodeSet(body));
  else if (key === 'chain') table.chains.push(decodeChain(body));
  else if (key === 'rule') decodeRule(body, table, counters);
  else foreign.push(`${key} ${typeof body.name === 'string' ? body.name : ''}`.trim());
}

function decodeSet(body: Record<string, unknown>): NftSet {
  const elem = Array.isArray(body.elem) ? (body.elem as unknown[]) : [];
  return {
    name: String(body.name),
    type: dataType(body.type) as NftSet['type'],
    // A map's value type lists as one string, "ipv4_addr . inet_service" for a concatenation.
    ...(body.map !== undefined ? { map: dataType(body.map) as NonNullable<NftSet['map']> } : {}),
    // nftables >= 1.1.4 prints a single flag as a bare string.
    flags: typeof body.flags === 'string' ? [body.flags] : Array.isArray(body.flags) ? (body.flags as string[]) : [],
    elements: sortElements(elem.map(elementFromJson)),
  };
}

function decodeChain(body: Record<string, unknown>): NftChain {
  const chain: NftChain = { name: String(body.name), rules: [] };
  if (typeof body.hook === 'string') {
    chain.base = {
      type: body.type as NonNullable<NftChain['base']>['type'],
      hook: body.hook as NonNullable<NftChain['base']>['hook'],
      prio: Number(body.prio),
      policy: (body.policy ?? 'accept') as NonNullable<NftChain['base']>['policy'],
    };
  }
  return chain;
}

function decodeRule(body: Record<string, unknown>, table: NftTable, counters: RuleCounter[]): void {
  const chain = table.chains.find((c) => c.name === body.chain);
  if (!chain) return;
  const rule: NftRule = { expr: [] };
  if (typeof body.comment === 'string') rule.comment = body.comment;
  for (const stmt of Array.isArray(body.expr) ? (body.expr as NftStatement[]) : []) {
    if (isObject(stmt.counter)) {
      const { packets, bytes } = stmt.counter;
      counters.push({
        chain: chain.name,
        index: chain.rules.length,
        ...commentOf(rule),
        packets: Number(packets),
        bytes: Number(bytes),
      });
      rule.expr.push({ counter: null });
    } else rule.expr.push(protocolsAsNumbers(stmt));
  }
  chain.rules.push(rule);
}

/**
 * nft prints `meta l4proto` values by name only when /etc/protocols exists (netbase): a minimal image lists 6 where a
 * full host lists "tcp". Desired tables use numbers, so listings are normalised to numbers.
 */
function protocolsAsNumbers(stmt: NftStatement): NftStatement {
  const match = stmt.match;
  if (!isObject(match) || !isObject(match.left) || !isObject(match.left.meta) || match.left.meta.key !== 'l4proto')
    return stmt;
  const right = match.right;
  const asNumber = (v: unknown): unknown => (typeof v === 'string' ? (protocolNumber(v) ?? v) : v);
  const normalised = isObject(right) && Array.isArray(right.set) ? { set: right.set.map(asNumber) } : asNumber(right);
  return { match: { ...match, right: normalised } };
}

function commentOf(rule: NftRule): { comment?: string } {
  return rule.comment ? { comment: rule.comment } : {};
}

function dataType(value: unknown): string | string[] {
  const parts = Array.isArray(value) ? value.map(String) : String(value).split(' . ');
  return parts.length === 1 ? (parts[0] ?? '') : parts;
}
