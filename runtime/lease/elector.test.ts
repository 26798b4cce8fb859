import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { paginateGetParameterHistory } from '@aws-sdk/client-ssm';
import { pino } from 'pino';
import { createSsmLeaseStore } from '../../adapters/ssm-lease-store.js';
import { startHarness, type Harness } from '../../embedded-ssm/testdata/harness.js';
import { waitFor } from '../../testing/wait.js';
import { ControllerError } from '../controller.js';
import { EventRecorder } from '../event-recorder.js';
import { LeaseElector, type LeaseStore } from './elector.js';
import { decodeLeaseRecord, type LeaseRecord } from './record.js';
import type { LeaseTiming } from './timing.js';

// Short timings keep the test quick (with room for a busy machine); the rules between them are the defaults. rules.
const timing: LeaseTiming = { leaseDurationMs: 1500, renewDeadlineMs: 1200, retryPeriodMs: 500 };
let testNo = 0;
let NAME = '';

let h: Harness;
let store: LeaseStore;
const running: LeaseElector[] = [];
/** Holders whose SSM calls never return from now on: from the others' view, a kill -9. */
const dead = new Set<string>();

beforeAll(async () => {
  h = await startHarness('lease');
  store = createSsmLeaseStore(h.client);
});
afterAll(async () => h.stop());
beforeEach(() => {
  testNo += 1;
  NAME = `/cloudspectra/test${testNo}/leases/cluster`;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop(100)));
  dead.clear();
});

function partitionable(holder: string): LeaseStore {
  const hang = (signal: AbortSignal): Promise<never> =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out'))));
  return {
    read: (n, sig) => (dead.has(holder) ? hang(sig) : store.read(n, sig)),
    write: (n, v, sig) => (dead.has(holder) ? hang(sig) : store.write(n, v, sig)),
  };
}

function elector(holder: string, events = new EventRecorder(holder, () => new Date())): LeaseElector {
  const e = new LeaseElector({
    scope: 'cluster',
    holder,
    parameterName: NAME,
    timing,
    store: partitionable(holder),
    events,
    logger: pino({ level: 'silent' }),
  });
  running.push(e);
  e.start();
  return e;
}

/** Polls a synchronous probe. */
const until = <T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts?: Parameters<typeof waitFor>[1],
): Promise<T> => waitFor(() => Promise.resolve(probe()), opts);

const leaderOf = (electors: LeaseElector[]): LeaseElector[] => electors.filter((e) => e.view().token);

describe('LeaseElector over the embedded SSM endpoint', () => {
  it('elects exactly one of three, which renews and guards; never two at once', async () => {
    const events = new EventRecorder('a', () => new Date());
    const all = [elector('a', events), elector('b'), elector('c')];
    let overlaps = 0;
    const sampler = setInterval(() => void (leaderOf(all).length > 1 && (overlaps += 1)), 5);
    try {
      const [leader] = await until(() => leaderOf(all).length === 1 && leaderOf(all), { what: 'a leader' });
      const token = leader!.guard().assertHeld();
      expect(token.scope).toBe('cluster');
      expect(leader!.view()).toMatchObject({ holder: token.holder, epoch: token.epoch });
      for (const other of all.filter((e) => e !== leader))
        expect(() => other.guard().assertHeld()).toThrow(ControllerError);
      if (token.holder === 'a') expect(events.list().map((e) => e.reason)).toContain('LeaderElected');

      // Renewing: the version moves on under the same holder and term. (A busy machine may delay a renew past the
      // deadline and force a new term; then the holder may change, but never to two at once.)
      const before = (await store.read(NAME, AbortSignal.timeout(1000))).version;
      const renewed = await until(
        async () => {
          const now = await store.read(NAME, AbortSignal.timeout(1000));
          return now.version >= before + 3 && now;
        },
        { what: 'three renews' },
      );
      const current = leaderOf(all);
      // The holder's view names its term even when the latest version is a losing claim it will build on.
      for (const e of current)
        expect(e.view()).toMatchObject({ holder: e.view().token?.holder, epoch: e.view().token?.epoch });
      if (renewed.record?.epoch === token.epoch) {
        expect(renewed.record.holder).toBe(token.holder);
        expect(current.map((e) => e.guard().assertHeld().epoch)).toEqual([token.epoch]);
      }
      expect(overlaps).toBe(0);
    } finally {
      clearInterval(sampler);
    }
  });

  it('hands over at once on a graceful stop, and after the lease duration when the holder vanishes', async () => {
    const all = [elector('a'), elector('b'), elector('c')];
    const [first] = await until(() => leaderOf(all).length === 1 && leaderOf(all), { what: 'a leader' });
    const firstEpoch = first!.guard().assertHeld().epoch;

    await first!.stop();
    const rest = all.filter((e) => e !== first);
    const [second] = await until(() => leaderOf(rest).length === 1 && leaderOf(rest), { intervalMs: 20 });
    const secondEpoch = second!.guard().assertHeld().epoch;
    expect(secondEpoch).toBeGreaterThan(firstEpoch);
    // The audit trail: an effective release, and the next term claimed on top of it without waiting it out.
    const records: { version: number; record?: LeaseRecord }[] = [];
    for await (const page of paginateGetParameterHistory({ client: h.client }, { Name: NAME }))
      for (const p of page.Parameters ?? []) records.push({ version: p.Version!, record: decodeLeaseRecord(p.Value!) });
    // A busy machine may land another write between the holder's last read and its release: the release then does
    // not count (it is not at basedOn + 1) and the takeover waits the lease out, which the leader check above covers.
    const release = records.find((r) => r.record?.released && r.record.basedOn === r.version - 1);
    if (release) expect(secondEpoch).toBe(release.version + 1);
    else expect(records.some((r) => r.record?.released)).toBe(true);

    // Now the new holder vanishes without a release (no more renews): the last one takes over after the duration.
    const vanished = second!;
    const survivors = rest.filter((e) => e !== vanished);
    dead.add(vanished.guard().assertHeld().holder);
    const [third] = await until(() => leaderOf(survivors).length === 1 && leaderOf(survivors), {
      what: 'takeover after expiry',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(third!.guard().assertHeld().epoch).toBeGreaterThan(secondEpoch);
    expect(vanished.view().token).toBeUndefined(); // it stepped down on its own clock
  });

  it('steps down when it cannot renew, and reports it', async () => {
    let broken = false;
    const flaky: LeaseStore = {
      read: (n, s) => store.read(n, s),
      write: (n, v, s) => (broken ? Promise.reject(new Error('connection reset')) : store.write(n, v, s)),
    };
    const events = new EventRecorder('solo', () => new Date());
    const solo = new LeaseElector({
      scope: 'cluster',
      holder: 'solo',
      parameterName: `${NAME}-flaky`,
      timing,
      store: flaky,
      events,
      logger: pino({ level: 'silent' }),
    });
    running.push(solo);
    solo.start();
    await until(() => solo.view().token, { what: 'solo leads' });
    broken = true;
    await until(() => !solo.view().token, { what: 'step-down', timeoutMs: 5_000, intervalMs: 20 });
    expect(() => solo.guard().assertHeld()).toThrow(/does not hold the cluster lease/);
    // The token ends on the clock at the renew deadline; the step-down (and its event) follows at the core's next tick.
    const reasons = (): string[] => events.list().map((e) => `${e.reason}:${e.message}`);
    await until(() => reasons().some((r) => r.startsWith('LeaderLost:')), { what: 'LeaderLost', timeoutMs: 5_000 });
    expect(reasons().some((r) => r.startsWith('LeaseRenewFailed:'))).toBe(true);
    expect(reasons().some((r) => r.startsWith('LeaderLost:RenewDeadlineExceeded'))).toBe(true);
  });
});

describe('SSM lease store', () => {
  it('reads an absent parameter as version 0 and a foreign value as no record', async () => {
    expect(await store.read('/cloudspectra/test/leases/none', AbortSignal.timeout(1000))).toEqual({ version: 0 });
    const v = await store.write('/cloudspectra/test/leases/junk', 'not a lease', AbortSignal.timeout(1000));
    expect(await store.read('/cloudspectra/test/leases/junk', AbortSignal.timeout(1000))).toEqual({ version: v });
  });

  it('gives concurrent writers distinct versions: the order every verdict rests on', async () => {
    const name = '/cloudspectra/test/leases/race';
    const versions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.write(name, `w${i}`, AbortSignal.timeout(2000))),
    );
    expect(new Set(versions).size).toBe(8);
    expect(Math.max(...versions)).toBe(8);
  });

  it('reads the scopes asked for in one turn with one GetParameters call', async () => {
    const calls: string[] = [];
    h.client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countLeaseCalls' },
    );
    try {
      await store.write('/cloudspectra/batch/leases/cluster', 'x', AbortSignal.timeout(1000));
      calls.length = 0;
      const [cluster, az, absent] = await Promise.all([
        store.read('/cloudspectra/batch/leases/cluster', AbortSignal.timeout(1000)),
        store.read('/cloudspectra/batch/leases/az/use1-az1', AbortSignal.timeout(1000)),
        store.read('/cloudspectra/batch/leases/az/use1-az1', AbortSignal.timeout(1000)),
      ]);
      expect(calls).toEqual(['GetParametersCommand']);
      expect(cluster).toEqual({ version: 1 });
      expect(az).toEqual({ version: 0 });
      expect(absent).toEqual({ version: 0 });
    } finally {
      h.client.middlewareStack.remove('countLeaseCalls');
    }
  });

  it('lets each reader give up at its own deadline', async () => {
    const never = AbortSignal.abort(new Error('gave up'));
    await expect(store.read('/cloudspectra/batch/leases/cluster', never)).rejects.toThrow('gave up');
    await expect(store.read('/cloudspectra/batch/leases/cluster', AbortSignal.timeout(1000))).resolves.toMatchObject({
      version: 1,
    });
  });

  it('marks an error answered by SSM as not applied', async () => {
    await expect(store.write('/bad name with spaces', 'x', AbortSignal.timeout(1000))).rejects.toMatchObject({
      name: 'LeaseStoreRejected',
    });
  });
});
