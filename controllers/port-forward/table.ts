import type { NftDataType, NftRule, NftSet, NftStatement, NftTable } from '../../renderers/nft/model.js';
import { sortElements } from '../../renderers/nft/elements.js';
import { addForwardElements, addMasqueradeTargets } from './elements.js';
import type { Forward } from './forwards.js';
import {
  DNAT_TABLE,
  DSTNAT_PRIORITY,
  EXACT_MAPS,
  INTERVAL_MAPS,
  MASQUERADE_PRIORITY,
  POSTROUTING_CHAIN,
  PREROUTING_CHAIN,
  PROTOCOL_NUMBERS,
  RULES,
  TARGET_RANGES_SET,
  TARGETS_SET,
  type ForwardMaps,
} from './names.js';

/** The compiled table, and which forward each map key came from (for translate and explain). */
export interface CompiledPortForwards {
  table: NftTable;
  owners: ReadonlyMap<string, Forward>;
}

/** Exact-match key: meta l4proto . th dport. */
const EXACT_KEY: NftDataType[] = ['inet_proto', 'inet_service'];
/** Interval key: th dport . meta l4proto . ip saddr (port first: names.ts says why). */
const INTERVAL_KEY: NftDataType[] = ['inet_service', 'inet_proto', 'ipv4_addr'];
/** Masquerade targets: ip daddr . meta l4proto . th dport exact, th dport . meta l4proto . ip daddr for ranges. */
const TARGET_KEY: NftDataType[] = ['ipv4_addr', 'inet_proto', 'inet_service'];

/**
 * The one table PortForward owns (pure), in the exact form `nft -j list table inet csgw_dnat` prints. Forwards live
 * in map elements, so adding one is an element update and the rules never change.
 */
export function compilePortForwards(forwards: readonly Forward[]): CompiledPortForwards {
  const owners = new Map<string, Forward>();
  const bySet = new Map<string, string[]>();
  const sink = (set: string, element: string): void => {
    const list = bySet.get(set);
    if (list) list.push(element);
    else bySet.set(set, [element]);
  };
  for (const forward of forwards) {
    for (const key of addForwardElements(forward, sink)) owners.set(key, forward);
  }
  addMasqueradeTargets(forwards, sink);
  const elements = (name: string): string[] => sortElements(bySet.get(name) ?? []);
  const maps = (names: ForwardMaps, key: NftDataType[], flags: string[]): NftSet[] => [
    { name: names.addr, type: [...key], map: 'ipv4_addr', flags, elements: elements(names.addr) },
    { name: names.port, type: [...key], map: 'inet_service', flags, elements: elements(names.port) },
    { name: names.keep, type: [...key], map: 'ipv4_addr', flags, elements: elements(names.keep) },
  ];
  const table: NftTable = {
    ...DNAT_TABLE,
    sets: [
      ...maps(INTERVAL_MAPS, INTERVAL_KEY, ['interval']),
      ...maps(EXACT_MAPS, EXACT_KEY, []),
      { name: TARGETS_SET, type: [...TARGET_KEY], flags: [], elements: elements(TARGETS_SET) },
      {
        name: TARGET_RANGES_SET,
        type: [...INTERVAL_KEY],
        flags: ['interval'],
        elements: elements(TARGET_RANGES_SET),
      },
    ],
    chains: [
      {
        name: PREROUTING_CHAIN,
        base: { type: 'nat', hook: 'prerouting', prio: DSTNAT_PRIORITY, policy: 'accept' },
        rules: [
          ...dnatRules(INTERVAL_MAPS, () => intervalPacketKey('saddr'), RULES.rewrite.comment, RULES.keep.comment),
          ...dnatRules(EXACT_MAPS, exactPacketKey, RULES.rewriteAny.comment, RULES.keepAny.comment),
        ],
      },
      {
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', prio: MASQUERADE_PRIORITY, policy: 'accept' },
        rules: [
          { comment: RULES.masquerade.comment, expr: masqueradeRule(targetPacketKey(), TARGETS_SET) },
          {
            comment: RULES.masqueradeRange.comment,
            expr: masqueradeRule(intervalPacketKey('daddr'), TARGET_RANGES_SET),
          },
        ],
      },
    ],
  };
  return { table, owners };
}

// Packet keys, built anew for every use: the compiled table shares no object between its rules.
const l4proto = (): unknown => ({ meta: { key: 'l4proto' } });
const dport = (): unknown => ({ payload: { protocol: 'th', field: 'dport' } });

function exactPacketKey(): unknown {
  return { concat: [l4proto(), dport()] };
}

function intervalPacketKey(field: 'saddr' | 'daddr'): unknown {
  return { concat: [dport(), l4proto(), ipField(field)] };
}

function targetPacketKey(): unknown {
  return { concat: [ipField('daddr'), l4proto(), dport()] };
}

/** The rewrite rule (address and port maps) and the keep rule (address map) of one layout. */
function dnatRules(maps: ForwardMaps, key: () => unknown, rewrite: string, keep: string): NftRule[] {
  const mapped = (name: string): unknown => ({ map: { key: key(), data: `@${name}` } });
  return [
    { comment: rewrite, expr: dnatRule(key(), maps.port, { addr: mapped(maps.addr), port: mapped(maps.port) }) },
    { comment: keep, expr: dnatRule(key(), maps.keep, { addr: mapped(maps.keep) }) },
  ];
}

/**
 * Only connections addressed to the gateway itself (fib daddr type local) are forwarded. dnat ends the rule, so the
 * counter stands before it, behind a membership test that keeps it to the connections the map translates.
 */
function dnatRule(key: unknown, lookupMap: string, to: Record<string, unknown>): NftStatement[] {
  return [
    match('==', { fib: { result: 'type', flags: ['daddr'] } }, 'local'),
    match('==', l4proto(), { set: [PROTOCOL_NUMBERS.tcp, PROTOCOL_NUMBERS.udp] }),
    match('==', key, `@${lookupMap}`),
    { counter: null },
    { dnat: { family: 'ip', ...to } },
  ];
}

function masqueradeRule(key: unknown, set: string): NftStatement[] {
  return [
    match('in', { ct: { key: 'status' } }, 'dnat'),
    match('==', key, `@${set}`),
    { counter: null },
    { masquerade: null },
  ];
}

function match(op: '==' | 'in', left: unknown, right: unknown): NftStatement {
  return { match: { op, left, right } };
}

function ipField(field: 'saddr' | 'daddr'): unknown {
  return { payload: { protocol: 'ip', field } };
}
