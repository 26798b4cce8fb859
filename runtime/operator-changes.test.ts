import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeChangeQueue, until } from '../testing/fake-change-queue.js';
import { FakeController, fakeKind } from '../testing/fake-controller.js';
import { FakeStoreMemory, markerCreatorInto } from '../testing/fake-store-memory.js';
import type { StoredParameter } from './desired-source.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { Operator } from './operator.js';
import { gatewayPaths, specPath } from './paths.js';
import { StoreGuard } from './store-guard.js';

const paths = gatewayPaths('/cloudspectra', 'push');
const timing = { resyncMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, inertRetryMs: 60_000, stageTimeoutMs: 5_000 };
const fakeSpec = (value: number, version: number): StoredParameter => ({
  name: specPath(paths, fakeKind, 'default'),
  version,
  value: JSON.stringify({ value }),
});
const WATCHER = { receiveDeadlineMs: 1_000, backoffBaseMs: 5, backoffMaxMs: 20, toleratedFailures: 3 };

/** Full lists a minute apart in both modes: whatever lands sooner came by a change event. */
function operatorOn(store: StoredParameter[], controller: FakeController, queue?: FakeChangeQueue): Operator {
  const list = (path: string): Promise<StoredParameter[]> =>
    Promise.resolve(store.filter((p) => p.name.startsWith(`${path}/`)).map((p) => ({ ...p })));
  const clock = (): Date => new Date();
  return new Operator(
    {
      paths,
      instanceId: 'i-1',
      operatorVersion: 't',
      pollIntervalMs: 60_000,
      staleAfterMs: 180_000,
      push: { pollIntervalMs: 60_000, staleAfterMs: 180_000, watcher: WATCHER },
      timing,
      statusMinIntervalMs: 10,
      admin: { host: '127.0.0.1', port: 0 },
    },
    {
      controllers: [controller],
      list,
      guard: new StoreGuard(paths, new FakeStoreMemory(), markerCreatorInto(store, paths), clock),
      writeStatus: () => Promise.resolve(),
      logger: createLogger('silent'),
      metrics: new OperatorMetrics(),
      clock,
      ...(queue ? { changes: queue } : {}),
    },
  );
}

async function readyz(url: string): Promise<{ ready: boolean; details?: { changes?: Record<string, string> } }> {
  return (await fetch(`${url}/readyz`)).json() as Promise<{
    ready: boolean;
    details?: { changes?: Record<string, string> };
  }>;
}

describe('Operator with change events', () => {
  let operator: Operator | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  it('without a queue: polling, PushDisabled in status, /readyz details and an event', async () => {
    operator = operatorOn([fakeSpec(1, 1)], new FakeController());
    const url = (await operator.start())!;
    expect(operator.hub.snapshot().changes).toEqual({ mechanism: 'polling', reason: 'PushDisabled' });
    expect((await readyz(url)).details?.changes).toMatchObject({ mechanism: 'polling', reason: 'PushDisabled' });
    expect(operator.events.list().some((e) => e.reason === 'PushDisabled' && e.type === 'Normal')).toBe(true);
  });

  it('with a queue: a change event reaches the controller at once; a missing queue is reported, and push resumes', async () => {
    const store = [fakeSpec(1, 1)];
    const queue = new FakeChangeQueue(20);
    const controller = new FakeController();
    operator = operatorOn(store, controller, queue);
    const op = operator;
    const url = (await op.start())!;
    await until(() => op.hub.snapshot().changes?.mechanism === 'push', 'push');
    await until(() => controller.world === 1, 'first apply');
    // The first list created the store marker; the hint then reads the whole spec once, later ones the kind only.
    store[0] = fakeSpec(2, 2);
    queue.sendChange(store[0].name);
    await until(() => controller.world === 2, 'the change, by push');
    store[0] = fakeSpec(3, 3);
    queue.sendChange(store[0].name);
    await until(() => controller.world === 3, 'the next change, by push');

    queue.problem = 'QueueMissing';
    await until(() => op.hub.snapshot().changes?.reason === 'QueueMissing', 'fallback');
    const ready = await readyz(url);
    expect(ready.details?.changes).toMatchObject({ mechanism: 'polling', reason: 'QueueMissing' });
    expect(op.events.list().some((e) => e.type === 'Warning' && e.reason === 'QueueMissing')).toBe(true);
    queue.problem = undefined;
    await until(() => op.hub.snapshot().changes?.mechanism === 'push', 'push again');
    expect(
      op.events
        .list()
        .filter((e) => e.reason === 'ChangeEventsFlowing')
        .map((e) => e.count),
    ).toEqual([2]);
  });
});
