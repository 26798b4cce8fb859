import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeController, fakeKind } from '../testing/fake-controller.js';
import { FakeStoreMemory, markerCreatorInto } from '../testing/fake-store-memory.js';
import { waitFor } from '../testing/wait.js';
import type { StoredParameter } from './desired-source.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { Operator } from './operator.js';
import { gatewayPaths, specPath, storeMarkerPath } from './paths.js';
import { adoptStore, StoreGuard } from './store-guard.js';
import { parseMarker } from './store-identity.js';

const paths = gatewayPaths('/cloudspectra', 'src');
const timing = { resyncMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, inertRetryMs: 60_000, stageTimeoutMs: 5_000 };
const fakeSpec = (value: number, version = 1): StoredParameter => ({
  name: specPath(paths, fakeKind, 'default'),
  version,
  value: JSON.stringify({ value }),
});

interface Source {
  store: StoredParameter[];
  hang: boolean;
}

function operatorOn(
  source: Source,
  controller: FakeController,
  memory: FakeStoreMemory,
  writeStatus: () => Promise<void> = () => Promise.resolve(),
): Operator {
  const list = (_: string, signal: AbortSignal): Promise<StoredParameter[]> =>
    source.hang
      ? new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stalled'))))
      : Promise.resolve([...source.store]);
  const clock = (): Date => new Date();
  return new Operator(
    {
      paths,
      instanceId: 'i-1',
      operatorVersion: 't',
      pollIntervalMs: 30,
      staleAfterMs: 300,
      timing,
      statusMinIntervalMs: 10,
      admin: { host: '127.0.0.1', port: 0 },
    },
    {
      controllers: [controller],
      list,
      guard: new StoreGuard(paths, memory, markerCreatorInto(source.store, paths), clock),
      writeStatus,
      logger: createLogger('silent'),
      metrics: new OperatorMetrics(),
      clock,
    },
  );
}

const eventually = (what: string, probe: () => boolean): Promise<true> =>
  waitFor(() => Promise.resolve(probe() || undefined), { what, timeoutMs: 5_000, intervalMs: 10 });

function degraded(op: Operator): { reason: string; message: string } | undefined {
  return op.hub.snapshot().controllers[fakeKind.kind]?.conditions.find((c) => c.type === 'Degraded');
}

describe('Operator and its desired-state source', () => {
  let operator: Operator | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  it('restarted against an empty store keeps the data plane, says SourceUnrecognized, and deletes only after adoption', async () => {
    const memory = new FakeStoreMemory();
    const controller = new FakeController();
    const original: Source = { store: [fakeSpec(5)], hang: false };
    operator = operatorOn(original, controller, memory);
    await operator.start();
    await eventually('applied', () => controller.world === 5);
    await operator.stop();

    const blank: Source = { store: [], hang: false };
    const restarted = new FakeController();
    restarted.world = 5; // the kernel kept it across the restart
    operator = operatorOn(blank, restarted, memory);
    await operator.start();
    const op = operator;
    await eventually('SourceUnrecognized', () => degraded(op)?.reason === 'SourceUnrecognized');
    expect(degraded(op)?.message).toMatch(/a store without an identity marker, not store store-test-0001/);
    expect(op.events.list().some((e) => e.type === 'Warning' && e.reason === 'SourceUnrecognized')).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // several polls
    expect(restarted.world).toBe(5);
    expect(blank.store).toEqual([]);

    await adoptStore(
      {
        readMarker: () =>
          Promise.resolve(parseMarker(blank.store.find((p) => p.name === storeMarkerPath(paths))?.value)),
        createMarker: markerCreatorInto(blank.store, paths, 'store-new-00002'),
        memory,
        clock: () => new Date(),
      },
      paths.root,
      'test',
      AbortSignal.timeout(1000),
    );
    await eventually('deleted after adoption', () => restarted.world === 0);
    await eventually('Degraded cleared', () => degraded(op)?.reason === 'AsExpected');
    expect(op.events.list().some((e) => e.reason === 'StoreAdopted')).toBe(true);
  });

  it('a stalled source turns /readyz-relevant reasons and every controller to SourceStale, and recovers', async () => {
    const source: Source = { store: [fakeSpec(3)], hang: false };
    const controller = new FakeController();
    operator = operatorOn(source, controller, new FakeStoreMemory());
    const admin = (await operator.start())!;
    const op = operator;
    await eventually('applied', () => controller.world === 3);
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    source.hang = true;
    await eventually('SourceStale', () => degraded(op)?.reason === 'SourceStale');
    const readyz = await fetch(`${admin}/readyz`);
    expect(readyz.status).toBe(503);
    expect(JSON.stringify(await readyz.json())).toMatch(/desired state stale: no successful list/);
    expect(controller.world).toBe(3);
    expect(op.events.list().some((e) => e.reason === 'SourceStale')).toBe(true);
    source.hang = false;
    await eventually('fresh again', () => degraded(op)?.reason === 'AsExpected');
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
  });

  it('a status document SSM refuses shows in /readyz', async () => {
    const controller = new FakeController();
    const refuse = (): Promise<void> =>
      Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    operator = operatorOn({ store: [fakeSpec(2)], hang: false }, controller, new FakeStoreMemory(), refuse);
    const admin = (await operator.start())!;
    await eventually('applied', () => controller.world === 2);
    const body = await waitFor(
      async () => {
        const r = await fetch(`${admin}/readyz`);
        return r.status === 503 ? JSON.stringify(await r.json()) : undefined;
      },
      { what: '/readyz 503', timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(body).toMatch(/status not published: .*denied/);
  });
});
