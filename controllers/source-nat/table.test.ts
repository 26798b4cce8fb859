import { describe, expect, it } from '@jest/globals';
import { buildNatTable } from './table.js';
import type { ResolvedNat } from './types.js';

const resolved: ResolvedNat = {
  egressInterface: 'ens5',
  egressInterfaceSource: 'defaultRoute',
  sourceCidrs: ['10.1.0.0/16', '10.0.0.0/16'],
  sourceCidrsSource: 'vpc',
};

const matches = [
  { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'ens5' } },
  { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@source_cidrs' } },
  { match: { op: '!=', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '@source_cidrs' } },
  { match: { op: '!=', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '@exclude_daddrs' } },
  { counter: null },
];

const golden = (translation: Record<string, unknown>, excluded: string[]): unknown => ({
  family: 'inet',
  name: 'csgw_nat',
  sets: [
    { name: 'source_cidrs', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/16', '10.1.0.0/16'] },
    { name: 'exclude_daddrs', type: 'ipv4_addr', flags: ['interval'], elements: excluded },
  ],
  chains: [
    {
      name: 'postrouting',
      base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
      rules: [{ comment: 'sourcenat/default', expr: [...matches, translation] }],
    },
  ],
});

describe('buildNatTable', () => {
  it('masquerade (golden)', () => {
    const table = buildNatTable(
      'default',
      { enable: true, mode: 'masquerade', excludeDestinationCidrs: ['192.168.0.0/16', '172.16.0.0/12'] },
      resolved,
    );
    expect(table).toEqual(golden({ masquerade: null }, ['172.16.0.0/12', '192.168.0.0/16']));
  });

  it('snat to a fixed address (golden)', () => {
    const table = buildNatTable('default', { enable: true, mode: 'snat', snatAddress: '203.0.113.5' }, resolved);
    expect(table).toEqual(golden({ snat: { family: 'ip', addr: '203.0.113.5' } }, []));
  });

  it('canonicalises source networks that arrive with host bits set (e.g. VPC CIDRs from configuration)', () => {
    const table = buildNatTable(
      'default',
      { enable: true, mode: 'masquerade' },
      { ...resolved, sourceCidrs: ['10.0.7.9/16', '192.168.1.1/32'] },
    );
    expect(table.sets[0]?.elements).toEqual(['10.0.0.0/16', '192.168.1.1/32']);
  });

  it('names the rule after the resource it came from', () => {
    expect(buildNatTable('edge', { enable: true, mode: 'masquerade' }, resolved).chains[0]?.rules[0]?.comment).toBe(
      'sourcenat/edge',
    );
  });

  it('is deterministic: source order does not change the table', () => {
    const a = buildNatTable('default', { enable: true, mode: 'masquerade' }, resolved);
    const b = buildNatTable(
      'default',
      { enable: true, mode: 'masquerade' },
      { ...resolved, sourceCidrs: [...resolved.sourceCidrs].reverse() },
    );
    expect(b).toEqual(a);
  });
});
