// A resource whose first-ever spec is invalid, through the real reconcile machine and status hub: Ready=False
// InvalidSpec at the rejected SSM version, never "generation ?" nor Ready=True.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createActor, type Actor } from 'xstate';
import { FakeController, fakeKind, fakeSnapshot } from '../testing/fake-controller.js';
import { EventRecorder } from './event-recorder.js';
import { reconcileMachine, type ReconcileTiming } from './reconcile-machine.js';
import { StatusHub } from './status-hub.js';
import type { ControllerStatus } from './status-types.js';

const timing: ReconcileTiming = {
  resyncMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
  inertRetryMs: 60_000,
  stageTimeoutMs: 600_000,
};

let actor: Actor<typeof reconcileMachine> | undefined;
beforeEach(() => void jest.useFakeTimers());
afterEach(() => {
  actor?.stop();
  jest.useRealTimers();
});

function start(): { send: (s: ReturnType<typeof fakeSnapshot>) => Promise<void>; status: () => ControllerStatus } {
  const clock = (): Date => new Date('2025-01-01T00:00:00Z');
  const hub = new StatusHub({
    instanceId: 'i-1',
    gateway: '/gw',
    operatorVersion: '0',
    clock,
    events: new EventRecorder('i-1', clock),
  });
  const report = hub.register(fakeKind.kind, 'default');
  actor = createActor(reconcileMachine, { input: { controller: new FakeController(), timing, report } });
  actor.start();
  return {
    send: async (snapshot) => {
      actor?.send({ type: 'DESIRED_CHANGED', snapshot });
      await jest.advanceTimersByTimeAsync(0);
    },
    status: () => hub.snapshot().controllers[fakeKind.kind] as ControllerStatus,
  };
}

const invalid = '{"value": "not a number"}';

describe('a first-ever invalid spec', () => {
  it('as the first snapshot: Ready=False InvalidSpec at its SSM version', async () => {
    const run = start();
    await run.send(fakeSnapshot(invalid, 7));
    expect(run.status().conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      observedGeneration: 7,
    });
  });

  it('after converging on no resource: Ready=False InvalidSpec at its SSM version, never "generation ?"', async () => {
    const run = start();
    await run.send(fakeSnapshot(undefined));
    expect(run.status().conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    await run.send(fakeSnapshot(invalid, 3));
    await jest.advanceTimersByTimeAsync(timing.resyncMs);
    const ready = run.status().conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec', observedGeneration: 3 });
    expect(ready?.message).toContain('spec.value: must be integer');
    expect(JSON.stringify(run.status())).not.toContain('?');
    expect(run.status()).toMatchObject({ name: 'default' });
    expect(run.status().conditions.find((c) => c.type === 'Progressing')?.message).toBe(
      'generation 3 is invalid: nothing applied from it',
    );
  });

  it('a valid generation afterwards makes it Ready=True at that generation', async () => {
    const run = start();
    await run.send(fakeSnapshot(undefined));
    await run.send(fakeSnapshot(invalid, 3));
    await run.send(fakeSnapshot({ value: 2 }, 4));
    expect(run.status().conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: 4,
    });
    expect(run.status().conditions.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False' });
  });
});
