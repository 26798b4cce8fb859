import { describe, expect, it } from '@jest/globals';
import { describeTableChange, planTableChange, tableChangeOps } from './delta.js';
import type { NftTable } from './model.js';

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
