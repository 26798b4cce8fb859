import { describe, expect, it } from '@jest/globals';
import {
  describeTableChange,
  describeTableDelta,
  planTableChange,
  planTableDelta,
  tableChangeOps,
  tableDeltaOps,
} from './delta.js';
import type { NftChain, NftTable } from './model.js';

function table(flows: string[], ports: string[] = ['22'], extraRule = false): NftTable {
  const lookup = { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@flows' } };
  return {
    family: 'inet',
    name: 'csgw_filter',
    sets: [
      { name: 'flows', type: ['ipv4_addr', 'inet_service'], flags: ['interval'], elements: flows },
      { name: 'ports', type: 'inet_service', flags: [], elements: ports },
    ],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
        rules: [
          { expr: [lookup, { counter: null }, { drop: null }] },
          ...(extraRule ? [{ expr: [{ accept: null }] }] : []),
        ],
      },
    ],
  };
}

describe('planTableChange', () => {
  it('is empty when the table is as desired, whatever order elements are listed in', () => {
    expect(
      planTableChange(table(['10.0.0.0/8 . 80', '9.0.0.0/8 . 22']), table(['9.0.0.0/8 . 22', '10.0.0.0/8 . 80'])),
    ).toEqual([]);
  });

  it('replaces a missing table', () => {
    expect(planTableChange(table([]), undefined)).toMatchObject([{ op: 'replaceTable', reason: 'TableMissing' }]);
  });

  it('updates only the elements that differ when the structure is the same', () => {
    const changes = planTableChange(
      table(['10.0.0.0/8 . 80', '11.0.0.0/8 . 443'], ['22', '80']),
      table(['10.0.0.0/8 . 80', '12.0.0.0/8 . 443']),
    );
    expect(changes.map(describeTableChange)).toEqual([
      'update set flows of inet csgw_filter: +1 -1 elements',
      'update set ports of inet csgw_filter: +1 -0 elements',
    ]);
    expect(tableChangeOps(changes)).toEqual([
      {
        op: 'deleteElements',
        family: 'inet',
        table: 'csgw_filter',
        set: { name: 'flows', type: ['ipv4_addr', 'inet_service'] },
        elements: ['12.0.0.0/8 . 443'],
      },
      {
        op: 'addElements',
        family: 'inet',
        table: 'csgw_filter',
        set: { name: 'flows', type: ['ipv4_addr', 'inet_service'] },
        elements: ['11.0.0.0/8 . 443'],
      },
      {
        op: 'addElements',
        family: 'inet',
        table: 'csgw_filter',
        set: { name: 'ports', type: 'inet_service' },
        elements: ['80'],
      },
    ]);
  });

  it.each([
    ['a rule was added', table([], ['22'], true)],
    ['a set is gone', { ...table([]), sets: table([]).sets.slice(0, 1) }],
    [
      'a set changed type',
      { ...table([]), sets: [{ ...table([]).sets[0], type: 'ipv4_addr' }, table([]).sets[1]] } as NftTable,
    ],
  ])('rebuilds the whole table when the structure differs: %s', (_why, observed) => {
    const changes = planTableChange(table(['10.0.0.0/8 . 80']), observed);
    expect(changes).toMatchObject([{ op: 'replaceTable', reason: 'StructureDiffers' }]);
    expect(tableChangeOps(changes)).toEqual([{ op: 'replaceTable', table: table(['10.0.0.0/8 . 80']) }]);
  });
});

/** A load-balancer-like table: one chain per target, a service chain spreading over them, a hook that jumps. */
function lbTable(targets: Record<string, number>, extra: Partial<NftTable> = {}): NftTable {
  const names = Object.keys(targets);
  const targetChains: NftChain[] = names.map((name) => ({
    name: `tgt-${name}`,
    rules: [{ expr: [{ counter: null }, { dnat: { addr: name, port: 80 } }] }],
  }));
  const spread = names.map((name) => [targets[name], { goto: { target: `tgt-${name}` } }]);
  return {
    family: 'ip',
    name: 'csgw_lb',
    sets: [],
    chains: [
      ...targetChains,
      {
        name: 'svc',
        rules: [{ expr: [{ vmap: { key: { numgen: { mode: 'inc', mod: 9 } }, data: { set: spread } } }] }],
      },
      {
        name: 'prerouting',
        base: { type: 'nat', hook: 'prerouting', prio: -105, policy: 'accept' },
        rules: [{ expr: [{ goto: { target: 'svc' } }] }],
      },
    ],
    ...extra,
  };
}

describe('planTableDelta', () => {
  const three = lbTable({ '10.0.0.1': 0, '10.0.0.2': 1, '10.0.0.3': 2 });

  it('is empty when every chain is as desired, whatever order the kernel lists them in', () => {
    expect(planTableDelta(three, { ...three, chains: [...three.chains].reverse() })).toEqual([]);
    expect(planTableDelta(three, three, { rebuild: true })).toEqual([]);
  });

  it('replaces a missing table', () => {
    expect(planTableDelta(three, undefined)).toMatchObject([{ op: 'replaceTable', reason: 'TableMissing' }]);
  });

  it('a changed rule rewrites only its chain', () => {
    const reweighted = lbTable({ '10.0.0.1': 2, '10.0.0.2': 1, '10.0.0.3': 0 });
    const changes = planTableDelta(reweighted, three);
    expect(changes.map(describeTableDelta)).toEqual(['rewrite chain svc of ip csgw_lb (1 rules)']);
    expect(tableDeltaOps(changes)).toEqual([
      { op: 'replaceChain', family: 'ip', table: 'csgw_lb', chain: reweighted.chains[3] },
    ]);
  });

  it('a new chain is added before the chain that jumps to it is rewritten', () => {
    const four = lbTable({ '10.0.0.1': 0, '10.0.0.2': 1, '10.0.0.3': 2, '10.0.0.4': 3 });
    const ops = tableDeltaOps(planTableDelta(four, three));
    expect(ops.map((op) => [op.op, 'chain' in op ? op.chain.name : ''])).toEqual([
      ['addChain', 'tgt-10.0.0.4'],
      ['replaceChain', 'svc'],
    ]);
  });

  it('a chain nothing wants any more is deleted last, after the chain that jumped to it was rewritten', () => {
    const one = lbTable({ '10.0.0.2': 1 });
    const changes = planTableDelta(one, three);
    expect(changes.map(describeTableDelta)).toEqual([
      'rewrite chain svc of ip csgw_lb (1 rules)',
      'delete chain tgt-10.0.0.1 of ip csgw_lb',
      'delete chain tgt-10.0.0.3 of ip csgw_lb',
    ]);
    expect(tableDeltaOps(changes).map((op) => op.op)).toEqual(['replaceChain', 'deleteChains']);
    expect(tableDeltaOps(changes)[1]).toEqual({
      op: 'deleteChains',
      family: 'ip',
      table: 'csgw_lb',
      names: ['tgt-10.0.0.1', 'tgt-10.0.0.3'],
    });
  });

  it('orders element deletes, chain adds, rewrites, element adds, then chain deletes in one transaction', () => {
    const set = (elements: string[]): NftTable['sets'] => [
      { name: 'ports', type: 'inet_service', flags: [], elements },
    ];
    const before = lbTable({ a: 1, b: 1 }, { sets: set(['80']) });
    const after = lbTable({ a: 1, c: 1 }, { sets: set(['443']) });
    expect(tableDeltaOps(planTableDelta(after, before)).map((op) => op.op)).toEqual([
      'deleteElements',
      'addChain',
      'replaceChain',
      'addElements',
      'deleteChains',
    ]);
  });

  const base = three.chains[4]!;
  it.each<[string, NftTable]>([
    [
      'a base chain has another priority',
      { ...three, chains: [...three.chains.slice(0, 4), { ...base, base: { ...base.base!, prio: -100 } }] },
    ],
    ['a base chain is missing', { ...three, chains: three.chains.slice(0, 4) }],
    ['an unknown base chain is there', { ...three, chains: [...three.chains, { ...base, name: 'other' }] }],
    ['a set is declared', { ...three, sets: [{ name: 'x', type: 'ipv4_addr', flags: [], elements: [] }] }],
    [
      'an object the model does not know',
      { ...three, chains: [...three.chains, { name: 'foreign: flowtable f', rules: [] }] },
    ],
  ])('replaces the whole table when its skeleton differs: %s', (_why, observed) => {
    const changes = planTableDelta(three, observed);
    expect(changes).toEqual([{ op: 'replaceTable', table: three, reason: 'StructureDiffers' }]);
    expect(tableDeltaOps(changes)).toEqual([{ op: 'replaceTable', table: three }]);
  });

  it('on rebuild any difference replaces the whole table', () => {
    const changes = planTableDelta(lbTable({ '10.0.0.2': 1 }), three, { rebuild: true });
    expect(changes.map(describeTableDelta)).toEqual(['replace nft table ip csgw_lb (Rebuild)']);
  });
});
