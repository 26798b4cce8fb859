import { describe, expect, it } from '@jest/globals';
import type { NftTable } from '../../renderers/nft/model.js';
import { clone } from '../../testing/fake-nft.js';
import { compileFirewall } from './compile/compile.js';
import { describeFirewallAction, firewallOps, planFirewall, type FirewallAction } from './plan.js';
import type { FirewallDesired, PolicyRule } from './types.js';

const rule = (i: number, over: Partial<PolicyRule> = {}): PolicyRule => ({
  id: `p/rules[${i}]`,
  action: 'allow',
  sources: [],
  destinations: [`10.0.${Math.floor(i / 256)}.${i % 256}/32`],
  protocol: 'tcp',
  ports: [{ first: 443, last: 443 }],
  ...over,
});

const policy = (rules: PolicyRule[]): FirewallDesired => ({ forward: { rules, defaultAction: 'deny' } });
const thousand = Array.from({ length: 1000 }, (_, i) => rule(i));
const observedAs = (table: NftTable): { table: { table: NftTable; counters: [] } } => ({
  table: { table: clone(table), counters: [] },
});

describe('planFirewall', () => {
  const compiled = compileFirewall(policy(thousand));

  it('owns nothing without a policy: deletes the table if it exists, else plans nothing', () => {
    expect(planFirewall(undefined, observedAs(compiled.table))).toEqual([{ op: 'deleteTable', reason: 'NoResource' }]);
    expect(planFirewall(undefined, {})).toEqual([]);
  });

  it('builds a missing table whole', () => {
    expect(planFirewall(compiled, {})).toEqual([{ op: 'replaceTable', table: compiled.table, reason: 'TableMissing' }]);
  });

  it('plans nothing when the table is as compiled', () => {
    expect(planFirewall(compiled, observedAs(compiled.table))).toEqual([]);
  });

  it('one rule edited in a 1,000-rule policy: element updates of one set, no replaceTable', () => {
    const edited = [...thousand];
    edited[500] = rule(500, { destinations: ['172.16.0.0/12'] });
    const plan = planFirewall(compileFirewall(policy(edited)), observedAs(compiled.table));
    expect(plan).toEqual([
      expect.objectContaining({
        op: 'updateElements',
        set: { name: 'f0', type: ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'] },
        add: ['0.0.0.0/0 . 172.16.0.0/12 . 6 . 443'],
        remove: ['0.0.0.0/0 . 10.0.1.244/32 . 6 . 443'],
      }),
    ]);
    expect(firewallOps(plan).map((op) => op.op)).toEqual(['deleteElements', 'addElements']);
  });

  it('a change in the number of groups rebuilds the table', () => {
    const moreGroups = [...thousand.slice(0, 10), rule(10, { action: 'deny', destinations: ['10.0.0.0/24'] })];
    const plan = planFirewall(compileFirewall(policy(moreGroups)), observedAs(compiled.table));
    expect(plan).toEqual([expect.objectContaining({ op: 'replaceTable', reason: 'StructureDiffers' })]);
  });

  it('a changed default action rebuilds the table (it is a rule, not an element)', () => {
    const plan = planFirewall(
      compileFirewall({ forward: { rules: thousand, defaultAction: 'allow' } }),
      observedAs(compiled.table),
    );
    expect(plan.map((a) => a.op === 'replaceTable' && a.reason)).toEqual(['StructureDiffers']);
  });

  it('after a failed commit, rebuilds instead of patching elements, and only when something differs', () => {
    const edited = compileFirewall(policy([rule(0, { ports: [{ first: 80, last: 80 }] }), ...thousand.slice(1)]));
    expect(planFirewall(edited, { ...observedAs(compiled.table), rebuild: true })).toEqual([
      { op: 'replaceTable', table: edited.table, reason: 'RebuildAfterFailedApply' },
    ]);
    expect(planFirewall(compiled, { ...observedAs(compiled.table), rebuild: true })).toEqual([]);
    expect(planFirewall(compiled, { rebuild: true })).toEqual([
      { op: 'replaceTable', table: compiled.table, reason: 'TableMissing' },
    ]);
  });
});

describe('firewallOps and describeFirewallAction', () => {
  const small = compileFirewall(policy([rule(0)]));
  const update: FirewallAction = {
    op: 'updateElements',
    table: small.table,
    set: { name: 'f0', type: ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'] },
    add: ['a', 'b'],
    remove: ['c'],
  };

  it.each<[FirewallAction[], unknown[]]>([
    [[{ op: 'deleteTable', reason: 'NoResource' }], [{ op: 'deleteTable', family: 'inet', name: 'csgw_filter' }]],
    [
      [{ op: 'replaceTable', table: small.table, reason: 'RebuildAfterFailedApply' }],
      [{ op: 'replaceTable', table: small.table }],
    ],
    [
      [{ op: 'replaceTable', table: small.table, reason: 'TableMissing' }],
      [{ op: 'replaceTable', table: small.table }],
    ],
    [
      [update],
      [
        { op: 'deleteElements', family: 'inet', table: 'csgw_filter', set: update.set, elements: ['c'] },
        { op: 'addElements', family: 'inet', table: 'csgw_filter', set: update.set, elements: ['a', 'b'] },
      ],
    ],
    [[], []],
  ])('%# turns the plan into one transaction', (actions, ops) => {
    expect(firewallOps(actions)).toEqual(ops);
  });

  it.each<[FirewallAction, string]>([
    [{ op: 'deleteTable', reason: 'NoResource' }, 'delete nft table inet csgw_filter (NoResource)'],
    [
      { op: 'replaceTable', table: small.table, reason: 'RebuildAfterFailedApply' },
      'replace nft table inet csgw_filter (RebuildAfterFailedApply)',
    ],
    [
      { op: 'replaceTable', table: small.table, reason: 'StructureDiffers' },
      'replace nft table inet csgw_filter (StructureDiffers)',
    ],
    [update, 'update set f0 of inet csgw_filter: +2 -1 elements'],
  ])('describes %#', (action, text) => {
    expect(describeFirewallAction(action)).toBe(text);
  });
});
