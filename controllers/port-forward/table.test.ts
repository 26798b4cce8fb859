import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fwd } from '../../testing/port-forward-fixtures.js';
import type { Forward } from './forwards.js';
import { compilePortForwards } from './table.js';

const EXACT = ['inet_proto', 'inet_service'];
const INTERVAL = ['inet_service', 'inet_proto', 'ipv4_addr'];
const TARGET = ['ipv4_addr', 'inet_proto', 'inet_service'];
const ip = (field: 'saddr' | 'daddr'): unknown => ({ payload: { protocol: 'ip', field } });
const l4proto = { meta: { key: 'l4proto' } };
const dport = { payload: { protocol: 'th', field: 'dport' } };
const intervalKey = (field: 'saddr' | 'daddr'): unknown => ({ concat: [dport, l4proto, ip(field)] });
const exactKey = { concat: [l4proto, dport] };

const dnatRules = (key: unknown, maps: [string, string, string], comments: [string, string]): unknown[] => {
  const [addr, port, keep] = maps;
  const guard = (lookup: string): unknown[] => [
    { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
    { match: { op: '==', left: l4proto, right: { set: [6, 17] } } },
    { match: { op: '==', left: key, right: `@${lookup}` } },
    { counter: null },
  ];
  const mapped = (name: string): unknown => ({ map: { key, data: `@${name}` } });
  return [
    {
      comment: comments[0],
      expr: [...guard(port), { dnat: { family: 'ip', addr: mapped(addr), port: mapped(port) } }],
    },
    { comment: comments[1], expr: [...guard(keep), { dnat: { family: 'ip', addr: mapped(keep) } }] },
  ];
};

const masquerade = (key: unknown, set: string, comment: string): unknown => ({
  comment,
  expr: [
    { match: { op: 'in', left: { ct: { key: 'status' } }, right: 'dnat' } },
    { match: { op: '==', left: key, right: `@${set}` } },
    { counter: null },
    { masquerade: null },
  ],
});

type Elements = Record<
  'addr' | 'port' | 'keep' | 'anyAddr' | 'anyPort' | 'anyKeep' | 'targets' | 'targetRanges',
  string[]
>;
const NONE: Elements = {
  addr: [],
  port: [],
  keep: [],
  anyAddr: [],
  anyPort: [],
  anyKeep: [],
  targets: [],
  targetRanges: [],
};

/** The table as `nft -j list table inet csgw_dnat` prints it (nftables 1.0.6), after decoding. */
const golden = (e: Elements): unknown => ({
  family: 'inet',
  name: 'csgw_dnat',
  sets: [
    { name: 'fwd_addr', type: INTERVAL, map: 'ipv4_addr', flags: ['interval'], elements: e.addr },
    { name: 'fwd_port', type: INTERVAL, map: 'inet_service', flags: ['interval'], elements: e.port },
    { name: 'fwd_keep', type: INTERVAL, map: 'ipv4_addr', flags: ['interval'], elements: e.keep },
    { name: 'any_addr', type: EXACT, map: 'ipv4_addr', flags: [], elements: e.anyAddr },
    { name: 'any_port', type: EXACT, map: 'inet_service', flags: [], elements: e.anyPort },
    { name: 'any_keep', type: EXACT, map: 'ipv4_addr', flags: [], elements: e.anyKeep },
    { name: 'fwd_targets', type: TARGET, flags: [], elements: e.targets },
    { name: 'fwd_target_ranges', type: INTERVAL, flags: ['interval'], elements: e.targetRanges },
  ],
  chains: [
    {
      name: 'prerouting',
      base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' },
      rules: [
        ...dnatRules(
          intervalKey('saddr'),
          ['fwd_addr', 'fwd_port', 'fwd_keep'],
          ['portforward/rewrite-port', 'portforward/keep-port'],
        ),
        ...dnatRules(
          exactKey,
          ['any_addr', 'any_port', 'any_keep'],
          ['portforward/rewrite-port-any-source', 'portforward/keep-port-any-source'],
        ),
      ],
    },
    {
      name: 'postrouting',
      base: { type: 'nat', hook: 'postrouting', prio: 90, policy: 'accept' },
      rules: [
        masquerade({ concat: [ip('daddr'), l4proto, dport] }, 'fwd_targets', 'portforward/masquerade'),
        masquerade(intervalKey('daddr'), 'fwd_target_ranges', 'portforward/masquerade-port-range'),
      ],
    },
  ],
});

const setOf = (forwards: Forward[], name: string): string[] | undefined =>
  compilePortForwards(forwards).table.sets.find((s) => s.name === name)?.elements;

describe('compilePortForwards', () => {
  it('no forwards: the same rules over empty maps (golden)', () => {
    expect(compilePortForwards([]).table).toEqual(golden(NONE));
  });

  it('any-source single ports go to the exact-match maps, source-restricted and ranged ones to the interval maps (golden)', () => {
    const { table } = compilePortForwards([
      fwd(),
      fwd({ rule: 1, protocol: 'udp', listen: { first: 5353, last: 5353 }, destinationPort: 53 }),
      fwd({
        rule: 2,
        listenField: 'listenPortRange',
        listen: { first: 8000, last: 8010 },
        destinationIp: '10.0.1.7',
        destinationPort: undefined,
      }),
      fwd({
        resource: 'ssh',
        listen: { first: 2222, last: 2222 },
        destinationIp: '10.0.1.9',
        destinationPort: 22,
        sources: ['203.0.113.0/24', '198.51.100.7/32'],
        masquerade: false,
      }),
      fwd({
        resource: 'ssh',
        rule: 1,
        listen: { first: 22, last: 22 },
        destinationIp: '10.0.1.8',
        destinationPort: undefined,
      }),
    ]);
    expect(table).toEqual(
      golden({
        addr: ['2222 . 6 . 198.51.100.7/32 : 10.0.1.9/32', '2222 . 6 . 203.0.113.0/24 : 10.0.1.9/32'],
        port: ['2222 . 6 . 198.51.100.7/32 : 22', '2222 . 6 . 203.0.113.0/24 : 22'],
        keep: ['8000-8010 . 6 . 0.0.0.0/0 : 10.0.1.7/32'],
        anyAddr: ['6 . 8080 : 10.0.1.5/32', '17 . 5353 : 10.0.1.5/32'],
        anyPort: ['6 . 8080 : 80', '17 . 5353 : 53'],
        anyKeep: ['6 . 22 : 10.0.1.8/32'],
        targets: ['10.0.1.5/32 . 6 . 80', '10.0.1.5/32 . 17 . 53', '10.0.1.8/32 . 6 . 22'],
        targetRanges: ['8000-8010 . 6 . 10.0.1.7/32'],
      }),
    );
  });

  it('a forward from any source and one from a CIDR go to different layouts', () => {
    const both = [fwd(), fwd({ rule: 1, listen: { first: 9000, last: 9000 }, sources: ['10.0.0.0/8'] })];
    expect(setOf(both, 'any_addr')).toEqual(['6 . 8080 : 10.0.1.5/32']);
    expect(setOf(both, 'fwd_addr')).toEqual(['9000 . 6 . 10.0.0.0/8 : 10.0.1.5/32']);
  });

  it('merges overlapping masquerade target ranges of one address and protocol, keeps adjacent ones apart, and lists each single port once', () => {
    const forwards = [
      fwd({ listenField: 'listenPortRange', listen: { first: 8000, last: 8010 }, destinationPort: undefined }),
      fwd({ rule: 1, listenField: 'listenPortRange', listen: { first: 8005, last: 8020 }, destinationPort: undefined }),
      fwd({ rule: 2, listenField: 'listenPortRange', listen: { first: 8021, last: 8022 }, destinationPort: undefined }),
      fwd({ rule: 3, listen: { first: 9000, last: 9000 }, destinationPort: 8005 }),
      fwd({ rule: 4, listen: { first: 9001, last: 9001 }, destinationPort: 8005 }),
      fwd({ rule: 5, listen: { first: 9002, last: 9002 }, destinationPort: 8005, protocol: 'udp' }),
      fwd({ rule: 6, listen: { first: 9003, last: 9003 }, destinationPort: 8006, masquerade: false }),
    ];
    expect(setOf(forwards, 'fwd_target_ranges')).toEqual([
      '8000-8020 . 6 . 10.0.1.5/32',
      '8021-8022 . 6 . 10.0.1.5/32',
    ]);
    expect(setOf(forwards, 'fwd_targets')).toEqual(['10.0.1.5/32 . 6 . 8005', '10.0.1.5/32 . 17 . 8005']);
  });

  it('records which forward each map key came from', () => {
    const ssh = fwd({ resource: 'ssh', rule: 3, sources: ['203.0.113.0/24', '198.51.100.0/24'] });
    const web = fwd({ rule: 1, listen: { first: 443, last: 443 } });
    const { owners } = compilePortForwards([ssh, web]);
    expect([...owners]).toEqual([
      ['8080 . 6 . 203.0.113.0/24', ssh],
      ['8080 . 6 . 198.51.100.0/24', ssh],
      ['6 . 443', web],
    ]);
  });

  it('is deterministic: forward order does not change the table', () => {
    const forwards = [
      fwd(),
      fwd({ rule: 1, listen: { first: 1, last: 1 } }),
      fwd({ rule: 2, listen: { first: 9, last: 9 }, sources: ['10.0.0.0/8'] }),
    ];
    expect(compilePortForwards([...forwards].reverse()).table).toEqual(compilePortForwards(forwards).table);
  });

  it('every element of a forward is in exactly one layout, and every map of a layout has the same keys', () => {
    const forwardArb = fc.record({
      port: fc.integer({ min: 1, max: 50 }),
      width: fc.integer({ min: 0, max: 3 }),
      protocol: fc.constantFrom('tcp' as const, 'udp' as const),
      keep: fc.boolean(),
      source: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8', '192.0.2.7/32'),
    });
    fc.assert(
      fc.property(fc.uniqueArray(forwardArb, { selector: (f) => `${f.protocol} ${f.port}` }), (list) => {
        const forwards = list.map((f, i) =>
          fwd({
            rule: i,
            protocol: f.protocol,
            listen: { first: f.port * 10, last: f.port * 10 + (f.keep ? f.width : 0) },
            destinationPort: f.keep ? undefined : 80,
            sources: [f.source],
          }),
        );
        const keys = (name: string): string[] => (setOf(forwards, name) ?? []).map((e) => e.split(' : ')[0] ?? '');
        const exact = forwards.filter((f) => f.sources[0] === '0.0.0.0/0' && f.listen.first === f.listen.last);
        const rewriting = (f: Forward): boolean => f.destinationPort !== undefined;
        expect(keys('any_addr')).toEqual(keys('any_port'));
        expect(keys('fwd_addr')).toEqual(keys('fwd_port'));
        expect(keys('any_port').length + keys('any_keep').length).toBe(exact.length);
        expect(keys('fwd_port').length + keys('fwd_keep').length).toBe(forwards.length - exact.length);
        expect(keys('any_port').length).toBe(exact.filter(rewriting).length);
      }),
    );
  });
});
