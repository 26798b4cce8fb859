import { describe, expect, it } from '@jest/globals';
import { fwd } from '../../testing/port-forward-fixtures.js';
import type { Forward } from './forwards.js';
import { compilePortForwards } from './table.js';

const KEY = ['ipv4_addr', 'inet_proto', 'inet_service'];
const packetKey = (field: 'saddr' | 'daddr'): unknown => ({
  concat: [
    { payload: { protocol: 'ip', field } },
    { meta: { key: 'l4proto' } },
    { payload: { protocol: 'th', field: 'dport' } },
  ],
});
const mapped = (name: string): unknown => ({ map: { key: packetKey('saddr'), data: `@${name}` } });
const dnatGuard = (lookup: string): unknown[] => [
  { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
  { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: { set: [6, 17] } } },
  { match: { op: '==', left: packetKey('saddr'), right: `@${lookup}` } },
  { counter: null },
];

/** The table as `nft -j list table inet csgw_dnat` prints it (nftables 1.0.6), after decoding. */
const golden = (elements: { addr: string[]; port: string[]; keep: string[]; targets: string[] }): unknown => ({
  family: 'inet',
  name: 'csgw_dnat',
  sets: [
    { name: 'fwd_addr', type: KEY, map: 'ipv4_addr', flags: ['interval'], elements: elements.addr },
    { name: 'fwd_port', type: KEY, map: 'inet_service', flags: ['interval'], elements: elements.port },
    { name: 'fwd_keep', type: KEY, map: 'ipv4_addr', flags: ['interval'], elements: elements.keep },
    { name: 'fwd_targets', type: KEY, flags: ['interval'], elements: elements.targets },
  ],
  chains: [
    {
      name: 'prerouting',
      base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' },
      rules: [
        {
          comment: 'portforward/rewrite-port',
          expr: [
            ...dnatGuard('fwd_port'),
            { dnat: { family: 'ip', addr: mapped('fwd_addr'), port: mapped('fwd_port') } },
          ],
        },
        {
          comment: 'portforward/keep-port',
          expr: [...dnatGuard('fwd_keep'), { dnat: { family: 'ip', addr: mapped('fwd_keep') } }],
        },
      ],
    },
    {
      name: 'postrouting',
      base: { type: 'nat', hook: 'postrouting', prio: 90, policy: 'accept' },
      rules: [
        {
          comment: 'portforward/masquerade',
          expr: [
            { match: { op: 'in', left: { ct: { key: 'status' } }, right: 'dnat' } },
            { match: { op: '==', left: packetKey('daddr'), right: '@fwd_targets' } },
            { counter: null },
            { masquerade: null },
          ],
        },
      ],
    },
  ],
});

describe('compilePortForwards', () => {
  it('no forwards: the same rules over empty maps (golden)', () => {
    expect(compilePortForwards([]).table).toEqual(golden({ addr: [], port: [], keep: [], targets: [] }));
  });

  it('port-rewriting, port-keeping, source-restricted and direct forwards (golden)', () => {
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
        addr: [
          '0.0.0.0/0 . 6 . 8080 : 10.0.1.5/32',
          '0.0.0.0/0 . 17 . 5353 : 10.0.1.5/32',
          '198.51.100.7/32 . 6 . 2222 : 10.0.1.9/32',
          '203.0.113.0/24 . 6 . 2222 : 10.0.1.9/32',
        ],
        port: [
          '0.0.0.0/0 . 6 . 8080 : 80',
          '0.0.0.0/0 . 17 . 5353 : 53',
          '198.51.100.7/32 . 6 . 2222 : 22',
          '203.0.113.0/24 . 6 . 2222 : 22',
        ],
        keep: ['0.0.0.0/0 . 6 . 22 : 10.0.1.8/32', '0.0.0.0/0 . 6 . 8000-8010 : 10.0.1.7/32'],
        targets: [
          '10.0.1.5/32 . 6 . 80',
          '10.0.1.5/32 . 17 . 53',
          '10.0.1.7/32 . 6 . 8000-8010',
          '10.0.1.8/32 . 6 . 22',
        ],
      }),
    );
  });

  it('merges overlapping masquerade targets of one address and protocol, and keeps adjacent ones apart', () => {
    const targets = (forwards: Forward[]): string[] | undefined =>
      compilePortForwards(forwards).table.sets.find((s) => s.name === 'fwd_targets')?.elements;
    expect(
      targets([
        fwd({ listenField: 'listenPortRange', listen: { first: 8000, last: 8010 }, destinationPort: undefined }),
        fwd({ rule: 1, listen: { first: 9000, last: 9000 }, destinationPort: 8005 }),
        fwd({ rule: 2, listen: { first: 9001, last: 9001 }, destinationPort: 8005 }),
        fwd({ rule: 3, listen: { first: 8011, last: 8011 }, destinationPort: undefined }),
        fwd({ rule: 4, listen: { first: 9002, last: 9002 }, destinationPort: 8005, protocol: 'udp' }),
      ]),
    ).toEqual(['10.0.1.5/32 . 6 . 8000-8010', '10.0.1.5/32 . 6 . 8011', '10.0.1.5/32 . 17 . 8005']);
  });

  it('records which forward each map key came from', () => {
    const ssh = fwd({ resource: 'ssh', rule: 3, sources: ['203.0.113.0/24', '198.51.100.0/24'] });
    const { owners } = compilePortForwards([ssh]);
    expect([...owners.keys()]).toEqual(['203.0.113.0/24 . 6 . 8080', '198.51.100.0/24 . 6 . 8080']);
    expect([...owners.values()]).toEqual([ssh, ssh]);
  });

  it('is deterministic: forward order does not change the table', () => {
    const forwards = [
      fwd(),
      fwd({ rule: 1, listen: { first: 1, last: 1 } }),
      fwd({ rule: 2, listen: { first: 9, last: 9 } }),
    ];
    expect(compilePortForwards([...forwards].reverse()).table).toEqual(compilePortForwards(forwards).table);
  });
});
