import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createActor, fromPromise, type Actor } from 'xstate';
import { deferred, untilAborted } from '../testing/deferred.js';
import { FakeController, fakeSnapshot, inertError, transientError } from '../testing/fake-controller.js';
import { ControllerError, type AnyController, type DesiredState } from './controller.js';
import { reconcileMachine, type ReconcileTiming } from './reconcile-machine.js';
import type { ReconcileReport } from './reconcile-report.js';

// stageTimeoutMs is long: its deadline (AbortSignal.timeout) runs on real timers, which jest's fake timers do not move.
const timing: ReconcileTiming = {
  resyncMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
  inertRetryMs: 60_000,
  stageTimeoutMs: 600_000,
};

type Report<T extends ReconcileReport['type']> = Extract<ReconcileReport, { type: T }>;
/** What the machine hands its observe actor. */
type ObserveInput = { controller: AnyController; timeoutMs: number; full: boolean; desired: DesiredState<unknown> };

interface Run {
  fake: FakeController;
  actor: Actor<typeof reconcileMachine>;
  reports: ReconcileReport[];
  /** Report types other than phase, in order. */
  kinds: () => string[];
  last: <T extends ReconcileReport['type']>(type: T) => Report<T> | undefined;
  phase: () => string | undefined;
  clear: () => void;
}

function start(
  opts: {
    fake?: FakeController;
    random?: () => number;
    machine?: typeof reconcileMachine;
    timing?: ReconcileTiming;
  } = {},
): Run {
  const fake = opts.fake ?? new FakeController();
  const reports: ReconcileReport[] = [];
  const actor = createActor(opts.machine ?? reconcileMachine, {
    input: {
      controller: fake,
      timing: opts.timing ?? timing,
      report: (r) => void reports.push(r),
      ...(opts.random ? { random: opts.random } : {}),
    },
  });
  actor.start();
  return {
    fake,
    actor,
    reports,
    kinds: () => reports.filter((r) => r.type !== 'phase').map((r) => r.type),
    last: <T extends ReconcileReport['type']>(type: T) => reports.filter((r): r is Report<T> => r.type === type).at(-1),
    phase: () => reports.filter((r): r is Report<'phase'> => r.type === 'phase').at(-1)?.phase,
    clear: () => void reports.splice(0),
  };
}

/** Lets pending promises settle and runs timers due now. */
const settle = (): Promise<void> => jest.advanceTimersByTimeAsync(0);
const advance = (ms: number): Promise<void> => jest.advanceTimersByTimeAsync(ms);

/** Starts, delivers a first snapshot and waits for convergence. */
async function converged(value = 5, opts: Parameters<typeof start>[0] = {}): Promise<Run> {
  const run = start(opts);
  run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value }, 1) });
  await settle();
  expect(run.phase()).toBe('waiting');
  run.clear();
  return run;
}

let actors: Actor<typeof reconcileMachine>[] = [];
beforeEach(() => {
  jest.useFakeTimers();
  actors = [];
});
afterEach(() => {
  for (const a of actors) a.stop();
  jest.useRealTimers();
});
const track = (run: Run): Run => {
  actors.push(run.actor);
  return run;
};

describe('reconcile machine: probing', () => {
  it('probes first and waits for desired state without observing', async () => {
    const run = track(start());
    await settle();
    expect(run.kinds()).toEqual(['probed']);
    expect(run.last('probed')?.details).toEqual({ mechanism: 'fake' });
    expect(run.phase()).toBe('awaitingDesired');
    expect(run.fake.observe).not.toHaveBeenCalled();
  });

  it('a failed probe makes it inert; it re-probes after inertRetryMs, then works', async () => {
    const fake = new FakeController();
    fake.probe.mockResolvedValueOnce({
      ok: false,
      reason: 'KernelFeatureMissing',
      message: 'no nf_tables',
      details: {},
    });
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 3 }) });
    await settle();
    expect(run.last('inert')).toEqual({
      type: 'inert',
      reason: 'KernelFeatureMissing',
      message: 'no nf_tables',
      retryInMs: 60_000,
    });
    expect(run.phase()).toBe('inert');
    await advance(59_999);
    expect(fake.probe).toHaveBeenCalledTimes(1);
    expect(fake.observe).not.toHaveBeenCalled();
    await advance(1);
    expect(fake.probe).toHaveBeenCalledTimes(2);
    expect(run.last('converged')).toMatchObject({ applied: true, desired: { generation: 1, spec: { value: 3 } } });
    expect(fake.world).toBe(3);
  });

  it('a probe that throws is inert too (ProbeFailed)', async () => {
    const fake = new FakeController();
    fake.probe.mockRejectedValueOnce(new Error('nft: command not found'));
    const run = track(start({ fake }));
    await settle();
    expect(run.last('inert')).toMatchObject({
      reason: 'ProbeFailed',
      message: expect.stringContaining('nft: command not found') as unknown,
    });
  });
});

describe('reconcile machine: the happy path', () => {
  it('first snapshot -> observe -> plan -> apply -> verify -> converged (applied) -> waiting', async () => {
    const run = track(start());
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }, 2) });
    await settle();
    expect(run.kinds()).toEqual(['probed', 'adopted', 'applying', 'converged']);
    expect(run.reports.filter((r) => r.type === 'phase').map((r) => r.phase)).toEqual([
      'probing',
      'awaitingDesired',
      'observing',
      'applying',
      'verifying',
      'waiting',
    ]);
    expect(run.last('applying')?.actions).toEqual(['set world=5']);
    expect(run.last('converged')).toEqual({
      type: 'converged',
      desired: { name: 'default', generation: 2, spec: { value: 5 } },
      applied: true,
      details: { world: 5 },
      warnings: [],
      conditions: [],
    });
    expect(run.fake.world).toBe(5);
    expect(run.fake.observe).toHaveBeenCalledTimes(2);
    const adopted = run.last('adopted')?.desired;
    expect(adopted).toEqual({ name: 'default', generation: 2, spec: { value: 5 } });
    expect(run.fake.observe.mock.calls.map((call) => call[1].desired)).toEqual([adopted, adopted]);
    expect(run.fake.apply).toHaveBeenCalledTimes(1);
    expect(run.fake.apply.mock.calls[0]?.[0]).toEqual([{ op: 'set', value: 5 }]);
  });

  it('OBSERVE_NOW while waiting observes at once instead of at the next resync', async () => {
    const run = track(await converged(5));
    run.fake.world = 9;
    run.actor.send({ type: 'OBSERVE_NOW' });
    await settle();
    expect(run.kinds()).toEqual(['drift', 'applying', 'converged']);
    expect(run.fake.world).toBe(5);
  });

  it('OBSERVE_NOW during a pass is not lost: the pass converges, then observes again at once', async () => {
    const run = track(await converged(5));
    const gate = deferred<number>();
    // The resync's observe reads the world before the change the event reports.
    run.fake.observe.mockImplementationOnce(() => gate.promise);
    await advance(timing.resyncMs);
    expect(run.phase()).toBe('observing');
    run.fake.world = 9;
    run.actor.send({ type: 'OBSERVE_NOW' });
    gate.resolve(5);
    await settle();
    expect(run.kinds()).toEqual(['converged', 'drift', 'applying', 'converged']);
    expect(run.fake.world).toBe(5);
  });

  it('a snapshot that needs nothing converges without applying', async () => {
    const run = track(await converged(5));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }, 2) });
    await settle();
    expect(run.kinds()).toEqual(['adopted', 'converged']);
    expect(run.last('converged')?.applied).toBe(false);
    expect(run.fake.apply).toHaveBeenCalledTimes(1);
  });

  it('passes warnings through to the converged report', async () => {
    const run = track(await converged(-2));
    await advance(timing.resyncMs);
    expect(run.last('converged')?.warnings).toEqual([
      { reason: 'NegativeWorld', message: 'a negative world works but is odd' },
    ]);
  });

  it('reports ignored resources when adopting', async () => {
    const run = track(start());
    const snapshot = fakeSnapshot({ value: 1 });
    snapshot.resources.push({ name: 'other', generation: 1, value: '{}' });
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot });
    await settle();
    expect(run.last('ignored')).toEqual({ type: 'ignored', name: 'other', reason: 'only "default" is used' });
  });
});

describe('reconcile machine: level-based resync', () => {
  it('re-observes every resyncMs; without drift nothing is applied', async () => {
    const run = track(await converged(5));
    await advance(timing.resyncMs - 1);
    expect(run.fake.observe).toHaveBeenCalledTimes(2);
    await advance(1);
    expect(run.fake.observe).toHaveBeenCalledTimes(3);
    expect(run.kinds()).toEqual(['converged']);
    expect(run.last('converged')?.applied).toBe(false);
  });

  it('repairs drift found on resync: drift report, then converged (applied)', async () => {
    const run = track(await converged(5));
    run.fake.world = 99;
    await advance(timing.resyncMs);
    expect(run.kinds()).toEqual(['drift', 'applying', 'converged']);
    expect(run.last('drift')?.actions).toEqual(['set world=5']);
    expect(run.last('converged')?.applied).toBe(true);
    expect(run.fake.world).toBe(5);
  });
});

describe('reconcile machine: failures', () => {
  it('backs off with growing, bounded delays after transient apply errors; success resets the attempt count', async () => {
    const fake = new FakeController();
    fake.apply.mockRejectedValueOnce(transientError('nft busy')).mockRejectedValueOnce(transientError('nft busy'));
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    const first = run.last('failed');
    expect(first).toMatchObject({
      stage: 'apply',
      reason: 'ApplyFailed',
      message: 'nft busy',
      attempt: 1,
      desired: { spec: { value: 5 } },
    });
    expect(first?.retryInMs).toBeGreaterThanOrEqual(500);
    expect(first?.retryInMs).toBeLessThanOrEqual(1_000);
    expect(run.phase()).toBe('backingOff');
    await advance((first?.retryInMs ?? 0) - 1);
    expect(fake.apply).toHaveBeenCalledTimes(1);
    await advance(1);
    const second = run.last('failed');
    expect(second).toMatchObject({ attempt: 2 });
    expect(second?.retryInMs).toBeGreaterThanOrEqual(1_000);
    expect(second?.retryInMs).toBeLessThanOrEqual(2_000);
    await advance(second?.retryInMs ?? 0);
    expect(run.last('converged')).toMatchObject({ applied: true });
    expect(fake.world).toBe(5);
    // A later failure starts from attempt 1 again.
    run.fake.world = 0;
    fake.apply.mockRejectedValueOnce(transientError('again'));
    await advance(timing.resyncMs);
    expect(run.last('failed')).toMatchObject({ attempt: 1, message: 'again' });
  });

  it('never waits longer than backoffMaxMs', async () => {
    const fake = new FakeController();
    fake.apply.mockRejectedValue(transientError());
    const run = track(start({ fake, random: () => 0.999999 }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const failed = run.last('failed');
      delays.push(failed?.retryInMs ?? -1);
      await advance(failed?.retryInMs ?? 0);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('an inert ControllerError from apply -> inert report, slow retry (no backoff), then recovery', async () => {
    const fake = new FakeController();
    fake.apply.mockRejectedValueOnce(inertError('MissingPermission', 'CAP_NET_ADMIN missing'));
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(run.last('inert')).toMatchObject({
      reason: 'MissingPermission',
      message: 'CAP_NET_ADMIN missing',
      retryInMs: 60_000,
    });
    expect(run.last('failed')).toBeUndefined();
    expect(run.phase()).toBe('inert');
    await advance(timing.backoffMaxMs * 2);
    expect(fake.apply).toHaveBeenCalledTimes(1);
    await advance(60_000);
    expect(fake.apply).toHaveBeenCalledTimes(2);
    expect(run.last('converged')).toMatchObject({ applied: true });
  });

  it('a transient observe error backs off (ObserveFailed); an inert one goes inert', async () => {
    const fake = new FakeController();
    fake.observe
      .mockRejectedValueOnce(new Error('EIO'))
      .mockRejectedValueOnce(new ControllerError('KernelFeatureMissing', 'gone', true));
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(run.last('failed')).toMatchObject({ stage: 'observe', reason: 'ObserveFailed', message: 'EIO', attempt: 1 });
    await advance(run.last('failed')?.retryInMs ?? 0);
    expect(run.last('inert')).toMatchObject({ reason: 'KernelFeatureMissing' });
  });

  it('a plan error: inert ControllerError -> inert; any other error -> backoff (PlanFailed)', async () => {
    const fake = new FakeController();
    fake.planError = new ControllerError('SysctlUnavailable', 'ip_forward read-only', true);
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(run.last('inert')).toMatchObject({ reason: 'SysctlUnavailable', retryInMs: 60_000 });
    fake.planError = new Error('bug');
    await advance(60_000);
    expect(run.last('failed')).toMatchObject({ stage: 'plan', reason: 'PlanFailed', message: 'bug' });
    expect(fake.apply).not.toHaveBeenCalled();
  });

  it('an apply that changes nothing fails verification (VerifyFailed) and retries', async () => {
    const fake = new FakeController();
    fake.apply.mockResolvedValueOnce(undefined);
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(run.last('failed')).toMatchObject({
      stage: 'verify',
      reason: 'VerifyFailed',
      message: 'still differs after apply: set world=5',
      attempt: 1,
    });
    await advance(run.last('failed')?.retryInMs ?? 0);
    expect(fake.world).toBe(5);
    expect(run.last('converged')).toMatchObject({ applied: true });
  });
});

describe('reconcile machine: invalid specs', () => {
  it('with no last good spec: reports invalidSpec (keepsLastGood false), goes inert, never observes or applies', async () => {
    const run = track(start());
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot('{"value":"five"}', 4) });
    await settle();
    expect(run.last('invalidSpec')).toEqual({
      type: 'invalidSpec',
      name: 'default',
      generation: 4,
      errors: ['spec.value: must be integer'],
      keepsLastGood: false,
    });
    expect(run.phase()).toBe('inert');
    await advance(3 * timing.inertRetryMs);
    expect(run.fake.observe).not.toHaveBeenCalled();
    expect(run.fake.apply).not.toHaveBeenCalled();
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 2 }, 5) });
    await settle();
    expect(run.last('converged')).toMatchObject({ applied: true, desired: { generation: 5 } });
  });

  it('after a good one: reports invalidSpec (keepsLastGood true) and keeps reconciling the last good', async () => {
    const run = track(await converged(5));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot('{"value":5,"extra":1}', 2) });
    await settle();
    expect(run.last('invalidSpec')).toMatchObject({
      generation: 2,
      keepsLastGood: true,
      errors: ['spec: unknown field "extra"'],
    });
    expect(run.last('converged')).toMatchObject({ applied: false, desired: { generation: 1, spec: { value: 5 } } });
    run.fake.world = 7;
    await advance(timing.resyncMs);
    expect(run.fake.world).toBe(5);
    expect(run.last('converged')).toMatchObject({ applied: true, desired: { generation: 1 } });
    // Every observe since the invalid generation 2 (its converge, the resync, the verify) reads the last good one.
    const lastGood = { name: 'default', generation: 1, spec: { value: 5 } };
    expect(run.fake.observe.mock.calls.slice(2).map((call) => call[1].desired)).toEqual([lastGood, lastGood, lastGood]);
  });
});

describe('reconcile machine: interrupting events', () => {
  it('DESIRED_CHANGED while observing aborts the observe and reconciles the new snapshot', async () => {
    const run = track(await converged(5));
    run.fake.observe.mockImplementationOnce(untilAborted);
    await advance(timing.resyncMs);
    expect(run.phase()).toBe('observing');
    const signal = run.fake.observe.mock.calls.at(-1)?.[0];
    expect(signal?.aborted).toBe(false);
    expect(run.fake.observe.mock.calls.at(-1)?.[1].desired).toMatchObject({ generation: 1 });
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 8 }, 2) });
    expect(signal?.aborted).toBe(true);
    await settle();
    expect(run.last('failed')).toBeUndefined();
    expect(run.last('converged')).toMatchObject({ applied: true, desired: { generation: 2 } });
    expect(run.fake.observe.mock.calls.at(-1)?.[1].desired).toMatchObject({ generation: 2, spec: { value: 8 } });
    expect(run.fake.world).toBe(8);
  });

  it('DESIRED_CHANGED while applying is not lost: the apply finishes, is verified, then the new snapshot is handled', async () => {
    const run = track(await converged(5));
    const gate = deferred();
    run.fake.apply.mockImplementationOnce(async (actions) => {
      await gate.promise;
      for (const a of actions) run.fake.world = a.value;
    });
    run.fake.world = 0;
    await advance(timing.resyncMs);
    expect(run.phase()).toBe('applying');
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 9 }, 2) });
    await settle();
    expect(run.phase()).toBe('applying');
    expect(run.fake.apply.mock.calls.at(-1)?.[1].aborted).toBe(false);
    gate.resolve();
    await settle();
    const converges = run.reports
      .filter((r): r is Report<'converged'> => r.type === 'converged')
      .map((r) => [r.desired.generation, r.applied]);
    expect(converges).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(run.fake.world).toBe(9);
  });

  it('DESIRED_CHANGED while backing off is handled at once, without waiting for the retry', async () => {
    const fake = new FakeController();
    fake.apply.mockRejectedValueOnce(transientError());
    const run = track(start({ fake }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(run.phase()).toBe('backingOff');
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 6 }, 2) });
    await settle();
    expect(run.last('converged')).toMatchObject({ desired: { generation: 2 } });
    expect(fake.world).toBe(6);
  });
});

describe('reconcile machine: full observes', () => {
  const fulls = (fake: FakeController): boolean[] => fake.observe.mock.calls.map((call) => call[1].full);

  it('asks for a full observe until the first convergence, then trusts caches on resync', async () => {
    const run = track(await converged(5));
    await advance(timing.resyncMs);
    expect(fulls(run.fake)).toEqual([true, true, false]);
  });

  it('asks for a full observe again after a failed apply', async () => {
    const run = track(await converged(5));
    run.fake.world = 1;
    run.fake.apply.mockRejectedValueOnce(transientError());
    await advance(timing.resyncMs);
    await advance(run.last('failed')?.retryInMs ?? 0);
    expect(fulls(run.fake)).toEqual([true, true, false, true, true]);
    expect(run.last('converged')).toMatchObject({ applied: true });
  });
});

describe('reconcile machine: stage deadline (real timers)', () => {
  it('aborts a stage that runs past stageTimeoutMs and reports StageTimeout, then retries', async () => {
    jest.useRealTimers();
    const fake = new FakeController();
    fake.apply.mockImplementationOnce((_actions, signal) => untilAborted(signal));
    const short: ReconcileTiming = {
      resyncMs: 60_000,
      backoffBaseMs: 5,
      backoffMaxMs: 5,
      inertRetryMs: 60_000,
      stageTimeoutMs: 30,
    };
    const run = track(start({ fake, timing: short }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    const deadline = Date.now() + 2_000;
    while (!run.last('converged') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(run.last('failed')).toMatchObject({
      stage: 'apply',
      reason: 'StageTimeout',
      message: 'apply took longer than 30 ms',
    });
    expect(fake.apply.mock.calls[0]?.[1].aborted).toBe(true);
    expect(run.last('converged')).toMatchObject({ applied: true });
  });
});

describe('reconcile machine: provide()', () => {
  it('one actor can be replaced with .provide({ actors })', async () => {
    const fake = new FakeController();
    const observe = jest.fn((_args: { input: ObserveInput }) => Promise.resolve(5));
    const machine = reconcileMachine.provide({ actors: { observe: fromPromise<unknown, ObserveInput>(observe) } });
    const run = track(start({ fake, machine }));
    run.actor.send({ type: 'DESIRED_CHANGED', snapshot: fakeSnapshot({ value: 5 }) });
    await settle();
    expect(observe).toHaveBeenCalledTimes(1);
    expect(observe.mock.calls[0]?.[0].input).toMatchObject({
      controller: fake,
      full: true,
      timeoutMs: timing.stageTimeoutMs,
      desired: { name: 'default', generation: 1, spec: { value: 5 } },
    });
    expect(fake.observe).not.toHaveBeenCalled();
    expect(fake.apply).not.toHaveBeenCalled();
    expect(run.last('converged')).toMatchObject({ applied: false, details: { world: 5 } });
  });
});
