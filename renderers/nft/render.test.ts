import { describe, expect, it } from '@jest/globals';
import type { NftOp, NftTable } from './model.js';
import { renderTransaction } from './render.js';

const oifname = { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'ens5' } };
const saddrInSources = {
  match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@sources' },
};

const table: NftTable = {
  family: 'inet',
  name: 'csgw_nat',
  sets: [
    {
      name: 'sources',
      type: 'ipv4_addr',
      flags: ['interval'],
      elements: ['10.0.0.0/16', '172.16.0.1-172.16.0.9', '192.168.1.7/32'],
    },
    { name: 'ports', type: 'inet_service', flags: [], elements: ['22', '443', '8000-8080'] },
    { name: 'empty', type: 'ipv4_addr', flags: ['interval'], elements: [] },
  ],
  chains: [
    {
      name: 'postrouting',
      base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
      rules: [
        { comment: 'sourcenat/default', expr: [oifname, saddrInSources, { counter: null }, { masquerade: null }] },
        { expr: [{ accept: null }] },
      ],
    },
    { name: 'helper', rules: [] },
  ],
};

describe('renderTransaction', () => {
  it('renders replaceTable and deleteTable as one libnftables JSON batch (golden)', () => {
    const ops: NftOp[] = [
      { op: 'replaceTable', table },
      { op: 'deleteTable', family: 'ip', name: 'old_nat' },
    ];
    const ref = { family: 'inet', table: 'csgw_nat' };
    expect(renderTransaction(ops)).toEqual({
      nftables: [
        // add + delete + add: valid whether or not the table exists, and empties it atomically.
        { add: { table: { family: 'inet', name: 'csgw_nat' } } },
        { delete: { table: { family: 'inet', name: 'csgw_nat' } } },
        { add: { table: { family: 'inet', name: 'csgw_nat' } } },
        {
          add: {
            set: {
              ...ref,
              name: 'sources',
              type: 'ipv4_addr',
              flags: ['interval'],
              elem: [{ prefix: { addr: '10.0.0.0', len: 16 } }, { range: ['172.16.0.1', '172.16.0.9'] }, '192.168.1.7'],
            },
          },
        },
        { add: { set: { ...ref, name: 'ports', type: 'inet_service', elem: [22, 443, { range: [8000, 8080] }] } } },
        { add: { set: { ...ref, name: 'empty', type: 'ipv4_addr', flags: ['interval'] } } },
        {
          add: {
            chain: { ...ref, name: 'postrouting', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
          },
        },
        {
          add: {
            rule: {
              ...ref,
              chain: 'postrouting',
              comment: 'sourcenat/default',
              expr: [oifname, saddrInSources, { counter: null }, { masquerade: null }],
            },
          },
        },
        { add: { rule: { ...ref, chain: 'postrouting', expr: [{ accept: null }] } } },
        { add: { chain: { ...ref, name: 'helper' } } },
        { delete: { table: { family: 'ip', name: 'old_nat' } } },
      ],
    });
  });

  it('keeps the commands in dependency order: table, then sets, then chains each followed by its rules', () => {
    const kinds = renderTransaction([{ op: 'replaceTable', table }]).nftables.map((cmd) => {
      const [verb, body] = Object.entries(cmd)[0] ?? ['?', {}];
      return `${verb} ${Object.keys(body)[0] ?? '?'}`;
    });
    expect(kinds).toEqual([
      'add table',
      'delete table',
      'add table',
      'add set',
      'add set',
      'add set',
      'add chain',
      'add rule',
      'add rule',
      'add chain',
    ]);
  });

  it('renders an empty transaction as an empty batch', () => {
    expect(renderTransaction([])).toEqual({ nftables: [] });
  });

  it('does not leak model-only fields into the batch (no elements/base/rules keys, no undefined values)', () => {
    const text = JSON.stringify(renderTransaction([{ op: 'replaceTable', table }]));
    expect(text).not.toMatch(/"elements"|"base"|"rules"|"sets"|"chains"/);
    expect(JSON.parse(text)).toEqual(renderTransaction([{ op: 'replaceTable', table }]));
  });

  it('does not mutate the ops it renders', () => {
    const ops: NftOp[] = [{ op: 'replaceTable', table: JSON.parse(JSON.stringify(table)) as NftTable }];
    const before = JSON.stringify(ops);
    renderTransaction(ops);
    expect(JSON.stringify(ops)).toBe(before);
  });
});

describe('renderTransaction: maps and element operations', () => {
  const key = ['ipv4_addr', 'inet_proto', 'inet_service'] as const;
  const mapTable: NftTable = {
    family: 'inet',
    name: 'csgw_dnat',
    sets: [
      {
        name: 'fwd',
        type: [...key],
        map: 'ipv4_addr',
        flags: ['interval'],
        elements: ['0.0.0.0/0 . 6 . 80 : 10.0.0.5/32'],
      },
    ],
    chains: [],
  };

  it('declares a map with `add map`, its key types as a list and its elements as [key, value] pairs', () => {
    expect(renderTransaction([{ op: 'replaceTable', table: mapTable }]).nftables.at(-1)).toEqual({
      add: {
        map: {
          family: 'inet',
          table: 'csgw_dnat',
          name: 'fwd',
          type: ['ipv4_addr', 'inet_proto', 'inet_service'],
          map: 'ipv4_addr',
          flags: ['interval'],
          elem: [[{ concat: [{ prefix: { addr: '0.0.0.0', len: 0 } }, 6, 80] }, '10.0.0.5']],
        },
      },
    });
  });

  it('renders element adds and deletes against the named set, without touching the table', () => {
    const set = { name: 'fwd', type: [...key], map: 'ipv4_addr' as const };
    const ops: NftOp[] = [
      { op: 'deleteElements', family: 'inet', table: 'csgw_dnat', set, elements: ['0.0.0.0/0 . 6 . 80 : 10.0.0.5/32'] },
      { op: 'addElements', family: 'inet', table: 'csgw_dnat', set, elements: ['0.0.0.0/0 . 17 . 53 : 10.0.0.6/32'] },
    ];
    const element = (elem: unknown): Record<string, unknown> => ({
      family: 'inet',
      table: 'csgw_dnat',
      name: 'fwd',
      elem: [elem],
    });
    expect(renderTransaction(ops).nftables).toEqual([
      { delete: { element: element([{ concat: [{ prefix: { addr: '0.0.0.0', len: 0 } }, 6, 80] }, '10.0.0.5']) } },
      { add: { element: element([{ concat: [{ prefix: { addr: '0.0.0.0', len: 0 } }, 17, 53] }, '10.0.0.6']) } },
    ]);
  });
});

describe('renderTransaction: chain operations', () => {
  const ref = { family: 'ip', table: 'csgw_lb' } as const;
  const target = { name: 'tgt-a', rules: [{ expr: [{ counter: null }, { dnat: { addr: '10.0.0.1', port: 80 } }] }] };
  const service = { name: 'svc', rules: [{ comment: 'spread', expr: [{ goto: { target: 'tgt-a' } }] }] };

  it('adds a chain with its rules, rewrites one with flush + rules, and touches nothing else (golden)', () => {
    const ops: NftOp[] = [
      { op: 'addChain', ...ref, chain: target },
      { op: 'replaceChain', ...ref, chain: service },
    ];
    expect(renderTransaction(ops).nftables).toEqual([
      { add: { chain: { ...ref, name: 'tgt-a' } } },
      { add: { rule: { ...ref, chain: 'tgt-a', expr: target.rules[0]?.expr } } },
      { flush: { chain: { ...ref, name: 'svc' } } },
      { add: { rule: { ...ref, chain: 'svc', comment: 'spread', expr: [{ goto: { target: 'tgt-a' } }] } } },
    ]);
  });

  it('adds a base chain with its hook, and rewriting it never re-declares the hook', () => {
    const base = { type: 'nat', hook: 'output', prio: -105, policy: 'accept' } as const;
    const chain = { name: 'output', base, rules: [{ expr: [{ accept: null }] }] };
    const [added] = renderTransaction([{ op: 'addChain', ...ref, chain }]).nftables;
    expect(added).toEqual({ add: { chain: { ...ref, name: 'output', ...base } } });
    const rewritten = renderTransaction([{ op: 'replaceChain', ...ref, chain }]).nftables;
    expect(rewritten[0]).toEqual({ flush: { chain: { ...ref, name: 'output' } } });
    expect(rewritten.slice(1).every((c) => 'rule' in (c.add ?? {}))).toBe(true);
  });

  it('deletes chains by flushing all of them first, so chains that jump to each other go together', () => {
    expect(renderTransaction([{ op: 'deleteChains', ...ref, names: ['svc', 'tgt-a'] }]).nftables).toEqual([
      { flush: { chain: { ...ref, name: 'svc' } } },
      { flush: { chain: { ...ref, name: 'tgt-a' } } },
      { delete: { chain: { ...ref, name: 'svc' } } },
      { delete: { chain: { ...ref, name: 'tgt-a' } } },
    ]);
  });
});
