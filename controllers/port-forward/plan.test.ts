import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from '../../runtime/controller.js';
import type { SysctlValue } from '../../runtime/ports.js';
import { tableChangeOps, type TableChange } from '../../renderers/nft/delta.js';
import { clone } from '../../testing/fake-nft.js';
import { fwd } from '../../testing/port-forward-fixtures.js';
import { planError } from '../../testing/controller-error.js';
import type { Forward } from './forwards.js';
import { describePortForwardAction, planPortForward } from './plan.js';
import { compilePortForwards } from './table.js';
import type { PortForwardDesired, PortForwardObserved } from './types.js';

const FORWARDS = [
  fwd(),
  fwd({ rule: 1, listenField: 'listenPortRange', listen: { first: 8000, last: 8010 }, destinationPort: undefined }),
];
const desired = (forwards: Forward[] = FORWARDS): DesiredState<PortForwardDesired> => ({
  name: 'web',
  generation: 1,
  spec: { forwards, resources: [{ name: 'web', generation: 1, rules: forwards.length }], rejected: [] },
});
const FORWARDING: SysctlValue = { value: '1', writable: true };
const observed = (forwards: Forward[] | undefined, ipForward = FORWARDING): PortForwardObserved => ({
  ...(forwards ? { table: { table: clone(compilePortForwards(forwards).table), counters: [] } } : {}),
  ipForward,
});

describe('planPortForward: the table', () => {
  it('creates a missing table whole', () => {
    expect(planPortForward(desired(), observed(undefined))).toEqual([
      { op: 'replaceTable', table: compilePortForwards(FORWARDS).table, reason: 'TableMissing' },
    ]);
  });

  it('plans nothing when the table is as wanted', () => {
    expect(planPortForward(desired(), observed(FORWARDS))).toEqual([]);
  });

  it('changes only the elements of the maps a changed forward lives in', () => {
    const moved = [fwd({ destinationIp: '10.0.1.6' }), FORWARDS[1] as Forward];
    const plan = planPortForward(desired(moved), observed(FORWARDS));
    expect(plan.map((a) => describePortForwardAction(a))).toEqual([
      'update set any_addr of inet csgw_dnat: +1 -1 elements',
      'update set fwd_targets of inet csgw_dnat: +1 -1 elements',
    ]);
    expect(plan[0]).toMatchObject({
      op: 'updateElements',
      add: ['6 . 8080 : 10.0.1.6/32'],
      remove: ['6 . 8080 : 10.0.1.5/32'],
    });
  });

  it('moves a forward that gains a source CIDR from the exact-match maps to the interval maps in one transaction', () => {
    const restricted = [fwd({ sources: ['203.0.113.0/24'] }), FORWARDS[1] as Forward];
    const plan = planPortForward(desired(restricted), observed(FORWARDS));
    expect(plan.map((a) => describePortForwardAction(a))).toEqual([
      'update set fwd_addr of inet csgw_dnat: +1 -0 elements',
      'update set fwd_port of inet csgw_dnat: +1 -0 elements',
      'update set any_addr of inet csgw_dnat: +0 -1 elements',
      'update set any_port of inet csgw_dnat: +0 -1 elements',
    ]);
    const ops = tableChangeOps(plan.filter((a): a is TableChange => a.op === 'updateElements'));
    expect(
      ops.map((op) => `${op.op} ${'set' in op ? op.set.name : ''} ${'elements' in op ? op.elements.join() : ''}`),
    ).toEqual([
      'deleteElements any_addr 6 . 8080 : 10.0.1.5/32',
      'deleteElements any_port 6 . 8080 : 80',
      'addElements fwd_addr 8080 . 6 . 203.0.113.0/24 : 10.0.1.5/32',
      'addElements fwd_port 8080 . 6 . 203.0.113.0/24 : 80',
    ]);
  });

  it('adds a forward with element updates only, and removes the last one the same way', () => {
    const added = [
      ...FORWARDS,
      fwd({ rule: 2, listen: { first: 2222, last: 2222 }, destinationPort: 22, masquerade: false }),
    ];
    expect(planPortForward(desired(added), observed(FORWARDS)).map((a) => a.op)).toEqual([
      'updateElements',
      'updateElements',
    ]);
    expect(planPortForward(desired([]), observed(FORWARDS)).every((a) => a.op === 'updateElements')).toBe(true);
  });

  it.each([
    ['an edited rule', (o: PortForwardObserved) => void o.table?.table.chains[0]?.rules[0]?.expr.splice(0, 1)],
    [
      'a foreign chain',
      (o: PortForwardObserved) => o.table?.table.chains.push({ name: 'foreign: flowtable f', rules: [] }),
    ],
    [
      'a changed priority',
      (o: PortForwardObserved) => void (o.table?.table.chains[1]?.base && (o.table.table.chains[1].base.prio = 100)),
    ],
    ['a missing map', (o: PortForwardObserved) => void o.table?.table.sets.splice(1, 1)],
  ])('replaces the whole table on a structural change: %s', (_what, drift) => {
    const o = observed(FORWARDS);
    drift(o);
    expect(planPortForward(desired(), o)).toEqual([
      { op: 'replaceTable', table: compilePortForwards(FORWARDS).table, reason: 'StructureDiffers' },
    ]);
  });

  it('deletes the table when nothing is admitted, and keeps it while held as found after a restart', () => {
    const none: DesiredState<PortForwardDesired> = { spec: { forwards: [], resources: [], rejected: [] } };
    expect(planPortForward(none, observed([]))).toEqual([{ op: 'deleteTable', reason: 'NoResource' }]);
    expect(planPortForward(none, observed(undefined))).toEqual([]);
    const allRejected = { spec: { ...none.spec, rejected: [{ name: 'web', generation: 2, errors: ['x'] }] } };
    expect(planPortForward(allRejected, observed([]))).toEqual([{ op: 'deleteTable', reason: 'NoResource' }]);
    const held = { spec: { ...allRejected.spec, holdAsFound: true as const } };
    expect(planPortForward(held, observed([]))).toEqual([]);
  });

  it('leaves ip_forward alone when nothing is admitted', () => {
    const none: DesiredState<PortForwardDesired> = { spec: { forwards: [], resources: [], rejected: [] } };
    expect(planPortForward(none, observed(undefined, { value: '0', writable: false }))).toEqual([]);
  });
});

describe('planPortForward: ip_forward (SourceNat owns it)', () => {
  it('never plans a write of it, even when it is off and writable', () => {
    expect(planPortForward(desired(), observed(undefined, { value: '0', writable: true })).map((a) => a.op)).toEqual([
      'replaceTable',
    ]);
    expect(planPortForward(desired(), observed(FORWARDS, { value: '0', writable: true }))).toEqual([]);
  });

  it('accepts a read-only ip_forward that is already 1', () => {
    expect(planPortForward(desired(), observed(FORWARDS, { value: '1', writable: false }))).toEqual([]);
  });

  it.each([
    ['read-only at 0', { value: '0', writable: false }, /net\.ipv4\.ip_forward is 0 and read-only/],
    ['missing', { writable: false }, /net\.ipv4\.ip_forward is missing/],
  ])('is inert (SysctlUnavailable) when ip_forward is %s', (_what, value, message) => {
    const err = planError(() => planPortForward(desired(), observed(FORWARDS, value)));
    expect(err).toMatchObject({ reason: 'SysctlUnavailable', inert: true });
    expect(err.message).toMatch(message);
  });
});

describe('describePortForwardAction', () => {
  it.each([
    [{ op: 'deleteTable', reason: 'NoResource' }, 'delete nft table inet csgw_dnat (NoResource)'],
    [
      { op: 'replaceTable', table: compilePortForwards([]).table, reason: 'TableMissing' },
      'replace nft table inet csgw_dnat (TableMissing)',
    ],
  ] as const)('%j', (action, text) => {
    expect(describePortForwardAction(action)).toBe(text);
  });
});
