import type { NftDataType, NftSet, NftStatement, NftTable } from '../../renderers/nft/model.js';
import { sortElements } from '../../renderers/nft/elements.js';
import { formatPortRange, type PortRange } from '../../policy/ports.js';
import { targetPorts, type Forward } from './forwards.js';
import {
  ADDR_MAP,
  DNAT_TABLE,
  DSTNAT_PRIORITY,
  KEEP_MAP,
  MASQUERADE_PRIORITY,
  PORT_MAP,
  POSTROUTING_CHAIN,
  PREROUTING_CHAIN,
  PROTOCOL_NUMBERS,
  RULES,
  TARGETS_SET,
} from './names.js';

/** The compiled table, and which forward each map key came from (for translate and explain). */
export interface CompiledPortForwards {
  table: NftTable;
  owners: ReadonlyMap<string, Forward>;
}

/** Every map and set is keyed the way the packet is looked up: address . protocol . port. */
const KEY_TYPE: NftDataType[] = ['ipv4_addr', 'inet_proto', 'inet_service'];

/**
 * The one table PortForward owns (pure), in the exact form `nft -j list table inet csgw_dnat` prints. Forwards live
 * in map elements, so adding one is an element update and the rules never change.
 */
export function compilePortForwards(forwards: readonly Forward[]): CompiledPortForwards {
  const owners = new Map<string, Forward>();
  const elements = { addr: [] as string[], port: [] as string[], keep: [] as string[] };
  for (const forward of forwards) {
    const ip = `${forward.destinationIp}/32`;
    for (const source of forward.sources) {
      const key = elementKey(source, forward.protocol, forward.listen);
      owners.set(key, forward);
      if (forward.destinationPort === undefined) elements.keep.push(`${key} : ${ip}`);
      else {
        elements.addr.push(`${key} : ${ip}`);
        elements.port.push(`${key} : ${forward.destinationPort}`);
      }
    }
  }
  const table: NftTable = {
    ...DNAT_TABLE,
    sets: [
      map(ADDR_MAP, 'ipv4_addr', elements.addr),
      map(PORT_MAP, 'inet_service', elements.port),
      map(KEEP_MAP, 'ipv4_addr', elements.keep),
      { name: TARGETS_SET, type: KEY_TYPE, flags: ['interval'], elements: sortElements(masqueradeTargets(forwards)) },
    ],
    chains: [
      {
        name: PREROUTING_CHAIN,
        base: { type: 'nat', hook: 'prerouting', prio: DSTNAT_PRIORITY, policy: 'accept' },
        rules: [
          {
            comment: RULES.rewrite.comment,
            expr: dnatRule(PORT_MAP, { addr: mapped(ADDR_MAP), port: mapped(PORT_MAP) }),
          },
          { comment: RULES.keep.comment, expr: dnatRule(KEEP_MAP, { addr: mapped(KEEP_MAP) }) },
        ],
      },
      {
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', prio: MASQUERADE_PRIORITY, policy: 'accept' },
        rules: [{ comment: RULES.masquerade.comment, expr: masqueradeRule() }],
      },
    ],
  };
  return { table, owners };
}

/** "source . protocol . ports", the canonical element key (renderers/nft/model.ts). */
export function elementKey(source: string, protocol: Forward['protocol'], ports: PortRange): string {
  return `${source} . ${PROTOCOL_NUMBERS[protocol]} . ${formatPortRange(ports)}`;
}

function map(name: string, value: NftDataType, elements: string[]): NftSet {
  return { name, type: KEY_TYPE, map: value, flags: ['interval'], elements: sortElements(elements) };
}

/**
 * Targets of masquerading forwards, with overlapping port ranges of one address and protocol merged: an interval
 * set refuses overlapping elements, and two forwards may share a target.
 */
function masqueradeTargets(forwards: readonly Forward[]): string[] {
  const byTarget = new Map<string, PortRange[]>();
  for (const f of forwards.filter((f) => f.masquerade)) {
    const key = `${f.destinationIp}/32 . ${PROTOCOL_NUMBERS[f.protocol]}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), targetPorts(f)]);
  }
  return [...byTarget].flatMap(([key, ranges]) => mergeRanges(ranges).map((r) => `${key} . ${formatPortRange(r)}`));
}

function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const merged: PortRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.first - b.first)) {
    const last = merged[merged.length - 1];
    if (last && r.first <= last.last) last.last = Math.max(last.last, r.last);
    else merged.push({ ...r });
  }
  return merged;
}

/** The packet's lookup key: ip saddr . meta l4proto . th dport. */
function packetKey(): unknown {
  return { concat: [ipField('saddr'), { meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }] };
}

function mapped(name: string): unknown {
  return { map: { key: packetKey(), data: `@${name}` } };
}

/**
 * Only connections addressed to the gateway itself (fib daddr type local) are forwarded. dnat ends the rule, so the
 * counter stands before it, behind a membership test that keeps it to the connections the map translates.
 */
function dnatRule(lookupMap: string, to: Record<string, unknown>): NftStatement[] {
  return [
    match('==', { fib: { result: 'type', flags: ['daddr'] } }, 'local'),
    match('==', { meta: { key: 'l4proto' } }, { set: [PROTOCOL_NUMBERS.tcp, PROTOCOL_NUMBERS.udp] }),
    match('==', packetKey(), `@${lookupMap}`),
    { counter: null },
    { dnat: { family: 'ip', ...to } },
  ];
}

function masqueradeRule(): NftStatement[] {
  const target = {
    concat: [ipField('daddr'), { meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }],
  };
  return [
    match('in', { ct: { key: 'status' } }, 'dnat'),
    match('==', target, `@${TARGETS_SET}`),
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
