import { describe, expect, it } from '@jest/globals';
import { MASQUERADE_CT_BIT } from './names.js';
import { renderLbTable, slotsOf } from './nft-table.js';
import type { KernelService } from './types.js';

const service = (over: Partial<KernelService> = {}): KernelService => ({
  id: 0x12,
  protocol: 'TCP',
  port: 80,
  scheduler: 'wrr',
  sourceNat: false,
  targets: [
    { address: '10.0.0.1', port: 8080, weight: 4 },
    { address: '10.0.0.2', port: 8080, weight: 2 },
    { address: '10.0.0.3', port: 8080, weight: 0 },
  ],
  ...over,
});

const chain = (name: string, s: KernelService = service(), mechanism: 'ipvs' | 'nftables' = 'nftables') =>
  renderLbTable([s], mechanism).chains.find((c) => c.name === name);

describe('renderLbTable: nftables', () => {
  it('spreads by weighted ranges (weights over their gcd), weight 0 out of the spread but its chain kept', () => {
    expect(slotsOf(service())).toEqual([2, 1, 0]);
    expect(chain('svc-0012')?.rules[0]?.expr).toEqual([
      {
        vmap: {
          key: { numgen: { mode: 'inc', mod: 3, offset: 0 } },
          data: {
            set: [
              [{ range: [0, 1] }, { goto: { target: 'tgt-0012-10.0.0.1-8080' } }],
              [2, { goto: { target: 'tgt-0012-10.0.0.2-8080' } }],
            ],
          },
        },
      },
    ]);
    expect(chain('tgt-0012-10.0.0.3-8080')).toBeDefined();
  });

  it('rr ignores weights but not weight 0; sh hashes the client address', () => {
    expect(slotsOf(service({ scheduler: 'rr' }))).toEqual([1, 1, 0]);
    const sh = chain('svc-0012', service({ scheduler: 'sh' }))?.rules[0]?.expr[0] as { vmap: { key: unknown } };
    expect(sh.vmap.key).toEqual({ jhash: { mod: 3, seed: 0, expr: { payload: { protocol: 'ip', field: 'saddr' } } } });
  });

  it('drops new connections when no target takes any, rather than letting them reach the gateway', () => {
    const none = service({ targets: [{ address: '10.0.0.1', port: 80, weight: 0 }] });
    expect(chain('svc-0012', none)?.rules[0]?.expr).toEqual([{ counter: null }, { drop: null }]);
  });

  it('dnats each target after counting; sourceNat marks the connection for postrouting to masquerade', () => {
    const natted = chain('tgt-0012-10.0.0.1-8080', service({ sourceNat: true }))?.rules[0]?.expr;
    expect(natted).toEqual([
      { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 6 } },
      { counter: null },
      { mangle: { key: { ct: { key: 'mark' } }, value: { '|': [{ ct: { key: 'mark' } }, MASQUERADE_CT_BIT] } } },
      { dnat: { addr: '10.0.0.1', port: 8080 } },
    ]);
  });

  it('matches listeners by address when given, protocol and port, behind fib daddr type local on both hooks', () => {
    const table = renderLbTable(
      [service(), service({ id: 0x13, protocol: 'UDP', port: 53, address: '10.9.0.1' })],
      'nftables',
    );
    expect(table.chains.find((c) => c.name === 'listeners')?.rules.map((r) => r.expr)).toEqual([
      [
        { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 80 } },
        { goto: { target: 'svc-0012' } },
      ],
      [
        { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.9.0.1' } },
        { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 53 } },
        { goto: { target: 'svc-0013' } },
      ],
    ]);
    expect(table.chains.map((c) => c.name).slice(-4)).toEqual(['listeners', 'prerouting', 'output', 'postrouting']);
    expect(table.chains.filter((c) => c.base).map((c) => [c.base?.type, c.base?.hook])).toEqual([
      ['nat', 'prerouting'],
      ['nat', 'output'],
      ['nat', 'postrouting'],
    ]);
  });
});

describe('renderLbTable: IPVS marks', () => {
  it('sets the service fwmark in mangle position (before IPVS) and no dnat of its own', () => {
    const table = renderLbTable([service({ sourceNat: true })], 'ipvs');
    expect(table.chains.map((c) => c.name)).toEqual(['mark-0012', 'listeners', 'prerouting', 'output', 'postrouting']);
    expect(chain('mark-0012', service(), 'ipvs')?.rules[0]?.expr).toEqual([
      { mangle: { key: { meta: { key: 'mark' } }, value: 0x4c420012 } },
    ]);
    expect(table.chains.filter((c) => c.base).map((c) => [c.base?.type, c.base?.hook, c.base?.prio])).toEqual([
      ['filter', 'prerouting', -150],
      ['route', 'output', -150],
      ['nat', 'postrouting', 90],
    ]);
  });
});
