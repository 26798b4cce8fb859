import { describe, expect, it } from '@jest/globals';
import type { SysctlValue } from '../../runtime/ports.js';
import { clone } from '../../testing/fake-nft.js';
import { desiredState, hostSysctls, NO_RESOURCE, observedState } from '../../testing/source-nat-fixtures.js';
import { SYSCTL } from './names.js';
import { describeAction, planSourceNat } from './plan.js';
import { resolveNat } from './resolve.js';
import type { SourceNatSpec } from './spec.js';
import { sysctlWarnings } from './status.js';
import { buildNatTable } from './table.js';
import type { SourceNatObserved } from './types.js';
import { planError } from '../../testing/controller-error.js';

const VPC = ['10.0.0.0/16'];
const desired = desiredState({ egressInterface: 'ens5' });
/** The table the planner wants for `desired` on the standard host. */
const wantedTable = buildNatTable('default', desired.spec, resolveNat(desired.spec, observedState(), VPC));
const withTable = (over: Partial<SourceNatObserved> = {}): SourceNatObserved =>
  observedState({
    table: { table: clone(wantedTable), counters: [{ chain: 'postrouting', index: 0, packets: 42, bytes: 4200 }] },
    ...over,
  });
const sysctls = (over: Record<string, SysctlValue>): Record<string, SysctlValue> => hostSysctls(over);

describe('planSourceNat: the table', () => {
  it('replaces a missing table (TableMissing) with the table built from the resolved spec', () => {
    expect(planSourceNat(desired, observedState(), VPC)).toEqual([
      { op: 'replaceTable', table: wantedTable, reason: 'TableMissing' },
    ]);
  });

  it('plans nothing when the table is as wanted, whatever its counters say', () => {
    expect(planSourceNat(desired, withTable(), VPC)).toEqual([]);
  });

  it.each([
    ['an extra source element', (o: SourceNatObserved) => o.table?.table.sets[0]?.elements.push('8.8.8.8/32')],
    [
      'a different egress interface',
      (o: SourceNatObserved) =>
        void o.table?.table.chains[0]?.rules[0]?.expr.splice(0, 1, {
          match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth1' },
        }),
    ],
    ['a foreign chain', (o: SourceNatObserved) => o.table?.table.chains.push({ name: 'foreign: map m', rules: [] })],
    ['a missing rule', (o: SourceNatObserved) => void o.table?.table.chains[0]?.rules.splice(0)],
    [
      'another priority',
      (o: SourceNatObserved) => void (o.table?.table.chains[0]?.base && (o.table.table.chains[0].base.prio = 0)),
    ],
  ])('replaces a table with %s (TableDiffers)', (_what, drift) => {
    const observed = withTable();
    drift(observed);
    expect(planSourceNat(desired, observed, VPC)).toEqual([
      { op: 'replaceTable', table: wantedTable, reason: 'TableDiffers' },
    ]);
  });

  it('deletes the table when disabled, and only if it exists', () => {
    const disabled = desiredState({ enable: false });
    expect(planSourceNat(disabled, withTable(), VPC)).toEqual([{ op: 'deleteTable', reason: 'Disabled' }]);
    expect(planSourceNat(disabled, observedState(), VPC)).toEqual([]);
  });

  it('deletes the table when no resource exists, and only if it exists', () => {
    expect(planSourceNat(NO_RESOURCE, withTable(), VPC)).toEqual([{ op: 'deleteTable', reason: 'NoResource' }]);
    expect(planSourceNat(NO_RESOURCE, observedState(), VPC)).toEqual([]);
  });

  it('does not touch sysctls when disabled, even where NAT would need them', () => {
    const observed = observedState({ sysctls: sysctls({ [SYSCTL.ipForward]: { value: '0', writable: false } }) });
    expect(planSourceNat(desiredState({ enable: false, conntrack: { max: 262144 } }), observed, VPC)).toEqual([]);
  });

  it('propagates resolution errors (no egress interface) as ControllerErrors', () => {
    expect(planError(() => planSourceNat(desiredState(), observedState({ defaultRoute: undefined }), VPC)).reason).toBe(
      'EgressInterfaceUnknown',
    );
  });
});

describe('planSourceNat: sysctls', () => {
  const planFor = (
    values: Record<string, SysctlValue>,
    spec: Partial<SourceNatSpec> = { egressInterface: 'ens5' },
  ): unknown[] => planSourceNat(desiredState(spec), withTable({ sysctls: sysctls(values) }), VPC);

  it.each([
    [
      'ip_forward 0 -> 1',
      { [SYSCTL.ipForward]: { value: '0', writable: true } },
      [{ op: 'setSysctl', key: SYSCTL.ipForward, value: '1', current: '0' }],
    ],
    [
      'strict rp_filter 1 -> loose 2',
      { [SYSCTL.rpFilter]: { value: '1', writable: true } },
      [{ op: 'setSysctl', key: SYSCTL.rpFilter, value: '2', current: '1' }],
    ],
    ['rp_filter 0 stays', { [SYSCTL.rpFilter]: { value: '0', writable: true } }, []],
    ['rp_filter 2 stays', { [SYSCTL.rpFilter]: { value: '2', writable: true } }, []],
    ['ip_forward read-only but already 1', { [SYSCTL.ipForward]: { value: '1', writable: false } }, []],
  ])('%s', (_what, values, expected) => {
    expect(planFor(values)).toEqual(expected);
  });

  it('sets the conntrack knobs the spec asks for, and only those that differ', () => {
    const spec = { egressInterface: 'ens5', conntrack: { max: 262144, tcpEstablishedTimeoutSeconds: 432000 } };
    expect(planFor({}, spec)).toEqual([
      { op: 'setSysctl', key: SYSCTL.conntrackMax, value: '262144', current: '65536' },
    ]);
    expect(planFor({ [SYSCTL.tcpEstablishedTimeout]: { value: '7440', writable: true } }, spec)).toEqual([
      { op: 'setSysctl', key: SYSCTL.conntrackMax, value: '262144', current: '65536' },
      { op: 'setSysctl', key: SYSCTL.tcpEstablishedTimeout, value: '432000', current: '7440' },
    ]);
  });

  it('leaves conntrack alone when the spec does not mention it', () => {
    expect(planFor({ [SYSCTL.conntrackMax]: { value: '1', writable: true } })).toEqual([]);
  });

  it('puts the table change before the sysctl changes', () => {
    const plan = planSourceNat(
      desired,
      observedState({ sysctls: sysctls({ [SYSCTL.ipForward]: { value: '0', writable: true } }) }),
      VPC,
    );
    expect(plan.map((a) => a.op)).toEqual(['replaceTable', 'setSysctl']);
  });

  it.each([
    ['read-only at 0', { value: '0', writable: false }, /net\.ipv4\.ip_forward is 0 and read-only/],
    ['missing', { writable: false }, /net\.ipv4\.ip_forward is missing/],
  ])('throws an inert SysctlUnavailable when ip_forward is %s', (_what, value, message) => {
    const err = planError(() => planFor({ [SYSCTL.ipForward]: value }));
    expect(err).toMatchObject({ reason: 'SysctlUnavailable', inert: true });
    expect(err.message).toMatch(message);
  });

  it('skips a read-only (Unsupported) or missing (SysctlUnavailable) conntrack knob and reports it instead', () => {
    const spec = desiredState({
      egressInterface: 'ens5',
      conntrack: { max: 262144, tcpEstablishedTimeoutSeconds: 7440 },
    });
    const observed = withTable({
      sysctls: sysctls({
        [SYSCTL.conntrackMax]: { value: '65536', writable: false },
        [SYSCTL.tcpEstablishedTimeout]: { writable: false },
      }),
    });
    expect(planSourceNat(spec, observed, VPC)).toEqual([]);
    expect(sysctlWarnings(spec.spec, observed)).toEqual([
      {
        reason: 'Unsupported',
        message: 'net.netfilter.nf_conntrack_max=262144 not applied: read-only in this network namespace',
      },
      {
        reason: 'SysctlUnavailable',
        message: 'net.netfilter.nf_conntrack_tcp_timeout_established=7440 not applied: missing in this kernel',
      },
    ]);
  });
});

describe('planSourceNat: ip_forward for PortForward (SourceNat owns it)', () => {
  const off = { [SYSCTL.ipForward]: { value: '0', writable: true } };
  const forOthers = (spec: Partial<SourceNatSpec> | undefined, values: Record<string, SysctlValue>): unknown[] => {
    const base = spec ? desiredState(spec) : NO_RESOURCE;
    const want = { ...base, spec: { ...base.spec, forwardingFor: ['PortForward/web'] } };
    return planSourceNat(want, observedState({ sysctls: sysctls(values) }), VPC);
  };

  it.each([
    ['no SourceNat resource', undefined],
    ['SourceNat disabled', { enable: false }],
  ])('turns forwarding on for a PortForward with %s', (_what, spec) => {
    expect(forOthers(spec, off)).toEqual([{ op: 'setSysctl', key: SYSCTL.ipForward, value: '1', current: '0' }]);
  });

  it('deletes its own table first, then turns forwarding on', () => {
    const want = { ...desiredState({ enable: false }), spec: { enable: false, mode: 'masquerade' as const } };
    const observed = withTable({ sysctls: sysctls(off) });
    expect(planSourceNat({ ...want, spec: { ...want.spec, forwardingFor: ['PortForward/a'] } }, observed, VPC)).toEqual(
      [
        { op: 'deleteTable', reason: 'Disabled' },
        { op: 'setSysctl', key: SYSCTL.ipForward, value: '1', current: '0' },
      ],
    );
  });

  it('plans nothing when forwarding is already on, and does not throw when it is read-only at 0', () => {
    expect(forOthers(undefined, { [SYSCTL.ipForward]: { value: '1', writable: true } })).toEqual([]);
    // PortForward reports that one (inert SysctlUnavailable): SourceNat itself needs nothing.
    expect(forOthers(undefined, { [SYSCTL.ipForward]: { value: '0', writable: false } })).toEqual([]);
  });

  it('touches no other sysctl for them (conntrack and rp_filter are NAT tuning)', () => {
    const values = { ...off, [SYSCTL.rpFilter]: { value: '1', writable: true } };
    expect(forOthers({ enable: false, conntrack: { max: 262144 } }, values)).toEqual([
      { op: 'setSysctl', key: SYSCTL.ipForward, value: '1', current: '0' },
    ]);
  });
});

describe('describeAction', () => {
  it.each([
    [
      { op: 'replaceTable', table: wantedTable, reason: 'TableMissing' },
      'replace nft table inet csgw_nat (TableMissing)',
    ],
    [{ op: 'deleteTable', reason: 'Disabled' }, 'delete nft table inet csgw_nat (Disabled)'],
    [{ op: 'setSysctl', key: SYSCTL.ipForward, value: '1', current: '0' }, 'set net.ipv4.ip_forward=1 (was 0)'],
    [{ op: 'setSysctl', key: SYSCTL.ipForward, value: '1' }, 'set net.ipv4.ip_forward=1'],
  ] as const)('%j', (action, text) => {
    expect(describeAction(action)).toBe(text);
  });
});
