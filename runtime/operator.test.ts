import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { domainFilterKind } from '../crds-equivalent/domain-filter.js';
import { FakeController, fakeKind } from '../testing/fake-controller.js';
import { waitFor } from '../testing/wait.js';
import { guardInto } from '../testing/fake-store-memory.js';
import type { ControllerEvent } from './controller.js';
import type { StoredParameter } from './desired-source.js';
import type { LeaseView } from './lease/elector.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { Operator } from './operator.js';
import { gatewayPaths, specPath } from './paths.js';

const paths = gatewayPaths('/cloudspectra', 'op');
const timing = { resyncMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, inertRetryMs: 60_000, stageTimeoutMs: 5_000 };

function eventually(what: string, probe: () => boolean, timeoutMs = 3_000): Promise<true> {
  return waitFor(() => Promise.resolve(probe() || undefined), { what, timeoutMs, intervalMs: 10 });
}

function operatorWith(
  controller: FakeController,
  parameters: StoredParameter[],
  writes: string[],
  leases?: ReadonlyMap<string, Observable<LeaseView>>,
  metrics = new OperatorMetrics(),
): Operator {
  return new Operator(
    {
      paths,
      instanceId: 'i-1',
      operatorVersion: 't',
      pollIntervalMs: 60_000,
      staleAfterMs: 600_000,
      timing,
      statusMinIntervalMs: 10,
    },
    {
      controllers: [controller],
      list: () => Promise.resolve(parameters),
      guard: guardInto(parameters, paths),
      writeStatus: (_name, value) => {
        writes.push(value);
        return Promise.resolve();
      },
      logger: createLogger('silent'),
      metrics,
      clock: () => new Date(),
      ...(leases ? { leases } : {}),
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

  it('runs a lease-gated controller only while this instance holds the lease', async () => {
    const fake = new FakeController();
    fake.lease = { scope: 'cluster', assertHeld: () => ({ scope: 'cluster', holder: 'i-1', epoch: 4, version: 9 }) };
    const metrics = new OperatorMetrics();
    const held = async (): Promise<string> => metrics.registry.getSingleMetricAsString('csgw_lease_held');
    const lease = new BehaviorSubject<LeaseView>({ scope: 'cluster', holder: 'i-2', epoch: 2 });
    operator = operatorWith(
      fake,
      [{ name: specPath(paths, fakeKind, 'default'), version: 1, value: '{"value":5}' }],
      [],
      new Map([['cluster', lease]]),
      metrics,
    );
    const ready = () => operator?.hub.snapshot().controllers[fakeKind.kind]?.conditions.find((c) => c.type === 'Ready');
    await operator.start();
    await eventually('standby', () => ready()?.reason === 'Standby');
    expect(ready()?.message).toContain('held by i-2');
    expect(operator.hub.snapshot().leases).toEqual({ cluster: { held: false, holder: 'i-2', epoch: 2 } });
    expect(await held()).toMatch(/csgw_lease_held\{scope="cluster"\} 0/);
    expect(fake.observe).not.toHaveBeenCalled();

    const token = { scope: 'cluster', holder: 'i-1', epoch: 4, version: 9 };
    lease.next({ scope: 'cluster', token, holder: 'i-1', epoch: 4 });
    await eventually(
      'leading: converged',
      () => fake.world === 5 && ready()?.status === 'True' && ready()?.reason !== 'Standby',
    );
    expect(await held()).toMatch(/csgw_lease_held\{scope="cluster"\} 1/);

    lease.next({ scope: 'cluster', holder: 'i-3', epoch: 12 });
    await eventually('standby again', () => ready()?.reason === 'Standby');
    const calls = fake.observe.mock.calls.length;
    fake.world = 9; // drift while standing by is not ours to repair
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.observe.mock.calls.length).toBe(calls);

    lease.next({
      scope: 'cluster',
      token: { ...token, epoch: 13, version: 13 },
      holder: 'i-1',
      epoch: 13,
    });
    await eventually('repaired after taking the lease back', () => fake.world === 5);
    expect(operator.events.list().some((e) => e.reason === 'ControllerCrashed')).toBe(false);
  });
});

describe('Operator: watched kinds and daemon changes', () => {
  let operator: Operator | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  it('hands a controller the resources of the kinds it watches, and shuts it down on stop', async () => {
    const fake = Object.assign(new FakeController(), { watches: [domainFilterKind] });
    const decode = jest.spyOn(fake, 'decode');
    const shutdown = jest.fn(() => Promise.resolve());
    Object.assign(fake, { shutdown });
    operator = operatorWith(
      fake,
      [
        { name: specPath(paths, fakeKind, 'default'), version: 1, value: '{"value":5}' },
        { name: specPath(paths, domainFilterKind, 'corp'), version: 4, value: '{"mode":"deny","domains":["a.b"]}' },
      ],
      [],
    );
    await operator.start();
    await eventually('decoded', () => decode.mock.calls.length > 0);
    // Watched kinds are listed first: the very first decode already sees them.
    expect(decode.mock.calls[0]?.[0].related?.DomainFilter?.map((r) => [r.name, r.generation])).toEqual([['corp', 4]]);
    await operator.stop();
    operator = undefined;
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('observes at once when the controller reports a change outside a pass', async () => {
    const changes = new Subject<void>();
    const fake = Object.assign(new FakeController(), { changes$: changes.asObservable() });
    operator = operatorWith(
      fake,
      [{ name: specPath(paths, fakeKind, 'default'), version: 1, value: '{"value":5}' }],
      [],
    );
    await operator.start();
    // Waiting, not merely world === 5: a change reported while the apply is still being verified waits for the resync.
    await eventually('converged', () => operator?.hub.snapshot().controllers[fakeKind.kind]?.phase === 'waiting');
    const observed = fake.observe.mock.calls.length;
    fake.world = 1;
    changes.next();
    await eventually('repaired', () => fake.world === 5 && fake.observe.mock.calls.length > observed);
  });

  it('records what a controller reports between passes as events of its kind', async () => {
    const events = new Subject<ControllerEvent>();
    const fake = Object.assign(new FakeController(), { events$: events.asObservable() });
    operator = operatorWith(fake, [], []);
    await operator.start();
    events.next({ type: 'Warning', reason: 'IntrusionPrevented', message: 'sid 1 matched 3 times' });
    events.next({ type: 'Warning', reason: 'IntrusionPrevented', message: 'sid 1 matched 3 times', resource: 'b' });
    const recorded = operator.events.list().filter((e) => e.reason === 'IntrusionPrevented');
    expect(recorded.map((e) => e.object)).toEqual([
      { kind: fakeKind.kind, name: fakeKind.singletonName ?? '-' },
      { kind: fakeKind.kind, name: 'b' },
    ]);
  });
});
