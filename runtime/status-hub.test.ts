import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from './controller.js';
import { EventRecorder } from './event-recorder.js';
import type { ReconcileReport } from './reconcile-report.js';
import { StatusHub } from './status-hub.js';
import type { Condition, InstanceStatus } from './status-types.js';

const KIND = 'SourceNat';

function setup(): {
  hub: StatusHub;
  events: EventRecorder;
  report: (...reports: ReconcileReport[]) => void;
  tick: (ms: number) => void;
  condition: (type: string) => Condition | undefined;
  emitted: InstanceStatus[];
} {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const clock = (): Date => new Date(now);
  const events = new EventRecorder('i-1', clock);
  const hub = new StatusHub({
    instanceId: 'i-1',
    gateway: '/cloudspectra/gw',
    operatorVersion: '0.1.0',
    clock,
    events,
  });
  const reporter = hub.register(KIND);
  const emitted: InstanceStatus[] = [];
  hub.status$.subscribe((s) => emitted.push(s));
  return {
    hub,
    events,
    report: (...reports) => reports.forEach(reporter),
    tick: (ms) => void (now += ms),
    condition: (type) => hub.snapshot().controllers[KIND]?.conditions.find((c) => c.type === type),
    emitted,
  };
}

const desired = (generation: number, spec: unknown = {}): DesiredState<unknown> => ({
  name: 'default',
  generation,
  spec,
});
const converged = (
  generation: number,
  over: Partial<Extract<ReconcileReport, { type: 'converged' }>> = {},
): ReconcileReport => ({
  type: 'converged',
  desired: desired(generation),
  applied: true,
  details: {},
  warnings: [],
  ...over,
});
const eventReasons = (events: EventRecorder): string[] => events.list().map((e) => `${e.type}/${e.reason}`);

describe('StatusHub', () => {
  it('starts Ready=Unknown (Initializing) and not reconciled', () => {
    const { hub, condition } = setup();
    expect(condition('Ready')).toMatchObject({ status: 'Unknown', reason: 'Initializing' });
    expect(hub.allReconciled()).toBe(false);
    expect(hub.snapshot()).toMatchObject({ instanceId: 'i-1', gateway: '/cloudspectra/gw', operatorVersion: '0.1.0' });
  });

  it('converged (applied) -> Ready True Applied with observedGeneration, Progressing False, Degraded False', () => {
    const { hub, report, condition, events } = setup();
    report({ type: 'adopted', desired: desired(3) }, converged(3));
    expect(condition('Ready')).toMatchObject({
      status: 'True',
      reason: 'Applied',
      observedGeneration: 3,
      message: 'generation 3 applied',
    });
    expect(condition('Progressing')).toMatchObject({ status: 'False', reason: 'Converged', observedGeneration: 3 });
    expect(condition('Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(hub.snapshot().controllers[KIND]).toMatchObject({ name: 'default', observedGeneration: 3 });
    expect(hub.allReconciled()).toBe(true);
    expect(events.list()).toEqual([
      expect.objectContaining({ type: 'Normal', reason: 'Applied', object: { kind: KIND, name: 'default' } }),
    ]);
  });

  it('converged with nothing to do -> reason Converged and no Applied event', () => {
    const { report, condition, events } = setup();
    report(converged(3, { applied: false }));
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Converged' });
    expect(eventReasons(events)).toEqual([]);
  });

  it('a quiet resync after an apply keeps Ready unchanged, so the status document is not rewritten', () => {
    const { hub, report, condition } = setup();
    report(converged(3));
    const before = JSON.stringify(hub.snapshot().controllers[KIND]?.conditions);
    report(converged(3, { applied: false }));
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Applied', observedGeneration: 3 });
    expect(JSON.stringify(hub.snapshot().controllers[KIND]?.conditions)).toBe(before);
    report(converged(4, { applied: false }));
    expect(condition('Ready')).toMatchObject({ reason: 'Converged', observedGeneration: 4 });
  });

  it('says "nothing owned" when no resource exists', () => {
    const { hub, report, condition } = setup();
    report({ type: 'converged', desired: { spec: {} }, applied: true, details: {}, warnings: [] });
    expect(condition('Ready')).toMatchObject({ status: 'True', message: 'no SourceNat resource: nothing owned' });
    expect(condition('Ready')).not.toHaveProperty('observedGeneration');
    expect(hub.snapshot().controllers[KIND]).not.toHaveProperty('observedGeneration');
  });

  it('an invalid spec that keeps the last good: Degraded True InvalidSpec while Ready stays True', () => {
    const { report, condition, events } = setup();
    report({ type: 'adopted', desired: desired(3) }, converged(3));
    report({
      type: 'invalidSpec',
      name: 'default',
      generation: 4,
      errors: ['spec.mode: must be one of masquerade, snat'],
      keepsLastGood: true,
    });
    report(converged(3, { applied: false }));
    expect(condition('Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec', observedGeneration: 4 });
    expect(condition('Degraded')?.message).toMatch(/generation 4 rejected, generation 3 keeps running: spec\.mode/);
    expect(condition('Ready')).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(eventReasons(events)).toContain('Warning/InvalidSpec');
  });

  it('says a referenced resource is invalid when the rejected generation is the running one', () => {
    const { report, condition } = setup();
    report({ type: 'adopted', desired: desired(3) }, converged(3));
    const errors = ['DomainFilter blocklist (generation 2): spec.domains[0]: "-x-" is not a domain name'];
    report({ type: 'invalidSpec', name: 'default', generation: 3, errors, keepsLastGood: true });
    report(converged(3, { applied: false }));
    expect(condition('Degraded')?.message).toBe(
      `generation 3 refers to a resource that is invalid; the last good configuration keeps running: ${errors[0]}`,
    );
  });

  it('keeps Degraded=InvalidSpec through a re-adoption of an older generation, clears it once a newer one converges', () => {
    const { report, condition } = setup();
    report({ type: 'adopted', desired: desired(3) }, converged(3));
    report(
      { type: 'invalidSpec', name: 'default', generation: 4, errors: ['bad'], keepsLastGood: true },
      converged(3, { applied: false }),
    );
    report({ type: 'adopted', desired: desired(3) }, converged(3, { applied: false }));
    expect(condition('Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    report({ type: 'adopted', desired: desired(5) }, converged(5));
    expect(condition('Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected', observedGeneration: 5 });
    expect(condition('Ready')).toMatchObject({ status: 'True', observedGeneration: 5 });
  });

  it('an invalid spec with nothing to fall back on -> Ready False InvalidSpec', () => {
    const { report, condition, hub } = setup();
    report({
      type: 'invalidSpec',
      name: 'default',
      generation: 1,
      errors: ['spec: unknown field "x"', 'spec.mode: bad'],
      keepsLastGood: false,
    });
    expect(condition('Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      observedGeneration: 1,
      message: 'spec: unknown field "x"; spec.mode: bad',
    });
    expect(hub.allReconciled()).toBe(true);
  });

  it('inert -> Ready False with the reason and the retry time', () => {
    const { report, condition, events } = setup();
    report({ type: 'inert', reason: 'KernelFeatureMissing', message: 'nftables NAT unavailable', retryInMs: 60_000 });
    expect(condition('Ready')).toMatchObject({
      status: 'False',
      reason: 'KernelFeatureMissing',
      message: 'nftables NAT unavailable (retry in 60s)',
    });
    expect(eventReasons(events)).toEqual(['Warning/KernelFeatureMissing']);
  });

  it('failed -> Ready False and Progressing False with the stage, attempt and delay', () => {
    const { report, condition, events } = setup();
    report({ type: 'adopted', desired: desired(2) }, converged(2));
    report({
      type: 'failed',
      stage: 'apply',
      reason: 'ApplyFailed',
      message: 'nft rejected the transaction',
      attempt: 2,
      retryInMs: 1500,
    });
    expect(condition('Ready')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
      observedGeneration: 2,
      message: 'nft rejected the transaction (attempt 2, retry in 1500 ms)',
    });
    expect(condition('Progressing')).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
    expect(events.list().at(-1)).toMatchObject({
      type: 'Warning',
      reason: 'ApplyFailed',
      message: 'apply: nft rejected the transaction',
    });
  });

  it('drift then an applied convergence -> DriftDetected then DriftRepaired (not Applied); the next apply is plain Applied', () => {
    const { report, events } = setup();
    report({ type: 'adopted', desired: desired(1) }, converged(1));
    report({ type: 'drift', desired: desired(1), actions: ['replace nft table inet csgw_nat (TableMissing)'] });
    report(
      { type: 'applying', desired: desired(1), actions: ['replace nft table inet csgw_nat (TableMissing)'] },
      converged(1),
    );
    report(converged(1));
    // Recency order: the first and last Applied are one folded event (count 2).
    expect(eventReasons(events)).toEqual([
      'Warning/DriftDetected',
      'Normal/Applying',
      'Normal/DriftRepaired',
      'Normal/Applied',
    ]);
    expect(events.list().at(-1)?.count).toBe(2);
    expect(events.list().find((e) => e.reason === 'DriftDetected')?.message).toBe(
      'replace nft table inet csgw_nat (TableMissing)',
    );
  });

  it('applying -> Progressing True with the actions', () => {
    const { report, condition } = setup();
    report({ type: 'applying', desired: desired(7), actions: ['a', 'b'] });
    expect(condition('Progressing')).toMatchObject({
      status: 'True',
      reason: 'Applying',
      message: 'a; b',
      observedGeneration: 7,
    });
  });

  it('warnings -> Degraded True with the first reason and every message, plus one event each', () => {
    const { report, condition, events } = setup();
    const warnings = [
      { reason: 'SysctlUnavailable', message: 'net.netfilter.nf_conntrack_max=262144 not applied: read-only' },
      { reason: 'SysctlUnavailable', message: 'tcp timeout not applied: missing' },
    ];
    report(converged(2, { warnings }));
    expect(condition('Degraded')).toMatchObject({
      status: 'True',
      reason: 'SysctlUnavailable',
      message: `${warnings[0]?.message}; ${warnings[1]?.message}`,
    });
    expect(condition('Ready')).toMatchObject({ status: 'True' });
    expect(eventReasons(events).filter((r) => r === 'Warning/SysctlUnavailable')).toHaveLength(2);
  });

  it('moves lastTransitionTime only when a condition flips', () => {
    const { report, condition, tick } = setup();
    report(converged(1));
    const readySince = condition('Ready')?.lastTransitionTime;
    tick(60_000);
    report(converged(2, { applied: false }));
    expect(condition('Ready')?.lastTransitionTime).toBe(readySince);
    tick(60_000);
    report({ type: 'failed', stage: 'observe', reason: 'ObserveFailed', message: 'x', attempt: 1, retryInMs: 100 });
    expect(condition('Ready')?.lastTransitionTime).toBe('2025-01-01T00:02:00.000Z');
  });

  it('merges probe and converge details; records probe and ignored events', () => {
    const { hub, report, events } = setup();
    report(
      { type: 'probed', details: { mechanism: 'nftables inet nat' } },
      { type: 'ignored', name: 'extra', reason: 'only "default" is used' },
    );
    report(converged(1, { details: { egressInterface: 'ens5' } }));
    expect(hub.snapshot().controllers[KIND]?.details).toEqual({
      mechanism: 'nftables inet nat',
      egressInterface: 'ens5',
    });
    expect(eventReasons(events).slice(0, 2)).toEqual(['Normal/FeatureProbed', 'Warning/Ignored']);
    expect(events.list()[1]?.message).toBe('extra: only "default" is used');
  });

  it('replaces converge details on each pass while keeping what the probe found', () => {
    const { hub, report } = setup();
    report({ type: 'probed', details: { mechanism: 'nftables inet nat' } });
    report(converged(1, { details: { egressInterface: 'ens5', sourceCidrs: ['10.0.0.0/16'] } }));
    report(converged(2, { details: { egressInterface: 'ens6' } }));
    expect(hub.snapshot().controllers[KIND]?.details).toEqual({
      mechanism: 'nftables inet nat',
      egressInterface: 'ens6',
    });
  });

  it('names event objects with the registered default name until a resource is known', () => {
    const events = new EventRecorder('i-1', () => new Date(0));
    const hub = new StatusHub({
      instanceId: 'i-1',
      gateway: 'g',
      operatorVersion: 'v',
      clock: () => new Date(0),
      events,
    });
    const report = hub.register(KIND, 'default');
    report({ type: 'inert', reason: 'KernelFeatureMissing', message: 'x', retryInMs: 1000 });
    expect(events.list()[0]?.object).toEqual({ kind: KIND, name: 'default' });
    report({ type: 'adopted', desired: { name: 'edge', generation: 1, spec: {} } });
    report({
      type: 'converged',
      desired: { name: 'edge', generation: 1, spec: {} },
      applied: true,
      details: {},
      warnings: [],
    });
    expect(events.list().at(-1)).toMatchObject({ reason: 'Applied', object: { kind: KIND, name: 'edge' } });
  });

  // Regression: the event object used to be computed before invalidSpec() learned the rejected resource's name.
  it('names the InvalidSpec event after the resource that was rejected', () => {
    const events = new EventRecorder('i-1', () => new Date(0));
    const hub = new StatusHub({
      instanceId: 'i-1',
      gateway: 'g',
      operatorVersion: 'v',
      clock: () => new Date(0),
      events,
    });
    const report = hub.register(KIND, 'default');
    report({ type: 'invalidSpec', name: 'edge', generation: 1, errors: ['bad'], keepsLastGood: false });
    expect(events.list().at(-1)?.object).toEqual({ kind: KIND, name: 'edge' });
  });

  // Regression: ControllerStatus.name is "absent when no resource exists", so deleting the resource must drop it.
  it('drops the resource name once the resource is deleted', () => {
    const { hub, report } = setup();
    report({ type: 'adopted', desired: desired(3) }, converged(3));
    report(
      { type: 'adopted', desired: { spec: {} } },
      { type: 'converged', desired: { spec: {} }, applied: true, details: {}, warnings: [] },
    );
    expect(hub.snapshot().controllers[KIND]?.conditions.find((c) => c.type === 'Ready')?.message).toBe(
      'no SourceNat resource: nothing owned',
    );
    expect(hub.snapshot().controllers[KIND]).not.toHaveProperty('name');
  });

  it('shows the phase live without emitting a status change for it', () => {
    const { hub, report, emitted } = setup();
    const before = emitted.length;
    report({ type: 'phase', phase: 'observing' });
    expect(emitted).toHaveLength(before);
    expect(hub.snapshot().controllers[KIND]?.phase).toBe('observing');
    report(converged(1));
    expect(emitted).toHaveLength(before + 1);
    expect(emitted.at(-1)?.controllers[KIND]?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});

describe('StatusHub: lease standby', () => {
  const converged = (applied: boolean): ReconcileReport => ({
    type: 'converged',
    desired: desired(3),
    applied,
    details: {},
    warnings: [],
  });

  it('says Standby on a non-holder, and Converged once it leads and finds nothing to do', () => {
    const { report, condition } = setup();
    report({ type: 'standby', scope: 'cluster', holder: 'i-2' });
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Standby' });
    expect(condition('Ready')?.message).toBe('the cluster lease is held by i-2; this instance stands by');
    report({ type: 'adopted', desired: desired(3) }, converged(false));
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Converged' });
    expect(condition('Progressing')).toMatchObject({ status: 'False', reason: 'Converged' });
  });

  it('does not keep Progressing=Standby on a leader that goes inert', () => {
    const { report, condition } = setup();
    report({ type: 'standby', scope: 'cluster', holder: '' });
    expect(condition('Ready')?.message).toContain('not held by anyone yet');
    report({ type: 'inert', reason: 'MissingPermission', message: 'no ec2:AssociateAddress', retryInMs: 60_000 });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'MissingPermission' });
    expect(condition('Progressing')).toMatchObject({ status: 'False', reason: 'MissingPermission' });
  });
});

describe('StatusHub: controller conditions', () => {
  const crashLoop = (status: 'True' | 'False') => ({
    type: 'CrashLoop',
    status,
    reason: status === 'True' ? 'CrashLoop' : 'Stable',
    message: 'm',
  });

  it('adds its own conditions and warns once when one turns True', () => {
    const { report, condition, events } = setup();
    report(converged(1, { conditions: [crashLoop('False')] }));
    expect(condition('CrashLoop')).toMatchObject({ status: 'False', reason: 'Stable', observedGeneration: 1 });
    report(converged(1, { applied: false, conditions: [crashLoop('True')] }));
    report(converged(1, { applied: false, conditions: [crashLoop('True')] }));
    expect(condition('CrashLoop')).toMatchObject({ status: 'True', reason: 'CrashLoop' });
    expect(eventReasons(events).filter((r) => r === 'Warning/CrashLoop')).toHaveLength(1);
  });

  it('a Ready condition from the controller overrides the default without flapping', () => {
    const { report, condition, tick } = setup();
    report(converged(1));
    const notServing = { type: 'Ready', status: 'False' as const, reason: 'DaemonStarting', message: 'starting' };
    report(converged(1, { applied: false, conditions: [notServing] }));
    const first = condition('Ready');
    expect(first).toMatchObject({ status: 'False', reason: 'DaemonStarting' });
    tick(5_000);
    report(converged(1, { applied: false, conditions: [notServing] }));
    expect(condition('Ready')?.lastTransitionTime).toBe(first?.lastTransitionTime);
    report(converged(1, { applied: false }));
    expect(condition('Ready')).toMatchObject({ status: 'True' });
  });
});
