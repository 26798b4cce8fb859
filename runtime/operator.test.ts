import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { FakeController, fakeKind } from '../testing/fake-controller.js';
import { waitFor } from '../testing/wait.js';
import type { StoredParameter } from './desired-source.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { Operator } from './operator.js';
import { gatewayPaths, specPath } from './paths.js';

const paths = gatewayPaths('/cloudspectra', 'op');
const timing = { resyncMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, inertRetryMs: 60_000, stageTimeoutMs: 5_000 };

function eventually(what: string, probe: () => boolean, timeoutMs = 3_000): Promise<true> {
  return waitFor(() => Promise.resolve(probe() || undefined), { what, timeoutMs, intervalMs: 10 });
}

function operatorWith(controller: FakeController, parameters: StoredParameter[], writes: string[]): Operator {
  return new Operator(
    { paths, instanceId: 'i-1', operatorVersion: 't', pollIntervalMs: 60_000, timing, statusMinIntervalMs: 10 },
    {
      controllers: [controller],
      list: () => Promise.resolve(parameters),
      writeStatus: (_name, value) => {
        writes.push(value);
        return Promise.resolve();
      },
      logger: createLogger('silent'),
      metrics: new OperatorMetrics(),
      clock: () => new Date(),
    },
  );
}

describe('Operator', () => {
  let operator: Operator | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  it('routes the listed spec to its controller and publishes status naming the controller', async () => {
    const fake = new FakeController();
    const writes: string[] = [];
    operator = operatorWith(
      fake,
      [{ name: specPath(paths, fakeKind, 'default'), version: 3, value: '{"value":5}' }],
      writes,
    );
    await operator.start();
    await eventually('converged', () => operator?.hub.snapshot().controllers[fakeKind.kind]?.observedGeneration === 3);
    expect(fake.world).toBe(5);
    await eventually('a status write', () => writes.some((w) => w.includes('"observedGeneration":3')));
    expect(JSON.parse(writes[0] ?? '{}')).toMatchObject({ controllers: { [fakeKind.kind]: { kind: fakeKind.kind } } });
  });

  it('restarts a crashed reconcile machine and re-sends it the last desired state', async () => {
    const fake = new FakeController();
    // A bug in a status helper throws inside the machine: the actor stops, the operator must bring it back.
    jest.spyOn(fake, 'details').mockImplementationOnce(() => {
      throw new Error('details exploded');
    });
    operator = operatorWith(
      fake,
      [{ name: specPath(paths, fakeKind, 'default'), version: 1, value: '{"value":7}' }],
      [],
    );
    await operator.start();
    await eventually(
      'ControllerCrashed',
      () => operator?.events.list().some((e) => e.reason === 'ControllerCrashed') ?? false,
    );
    await eventually(
      'Ready after restart',
      () =>
        operator?.hub
          .snapshot()
          .controllers[fakeKind.kind]?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    );
    expect(fake.world).toBe(7);
    expect(operator.events.list().find((e) => e.reason === 'ControllerCrashed')?.message).toBe('details exploded');
  });
});
