import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createProcessPort } from '../../adapters/daemon-process.js';
import { createExecRunner } from '../../adapters/exec-runner.js';
import { waitFor } from '../../testing/wait.js';
import { daemonConditions } from './conditions.js';
import { defineDaemon, type ReadinessWindow } from './definition.js';
import { sameProcess } from './identity.js';
import { planDaemon } from './plan.js';
import { RevisionStore, revisionHash } from './revisions.js';
import { DaemonSupervisor } from './supervisor.js';
import type { DaemonRevision, ProcessIdentity } from './types.js';

/**
 * The kit with a real daemon that is not squid: testing/test-daemon (python3 -m csgw_test_daemon), which reloads on
 * SIGHUP, has no checker and opens its port only after a delay. Reconciled as a controller would: observe, plan, apply.
 */
const PYTHONPATH = resolve('testing/test-daemon');
const processes = createProcessPort((argv) => ['env', `PYTHONPATH=${PYTHONPATH}`, ...argv]);
const signal = (): AbortSignal => AbortSignal.timeout(20_000);

let dir: string;
let supervisors: DaemonSupervisor[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-kit-'));
  supervisors = [];
});
afterEach(async () => {
  for (const s of supervisors) await s.shutdown();
  await rm(dir, { recursive: true, force: true });
});

function supervisor(
  name = 'testd',
  readiness: ReadinessWindow = { initialDelayMs: 100, periodMs: 100, timeoutMs: 5_000 },
) {
  const def = defineDaemon({
    name,
    configFile: 'testd.json',
    start: ['python3', '-m', 'csgw_test_daemon', '--config', '{config}'],
    reload: { signal: 'SIGHUP' },
    readiness,
    writableDirs: [],
    onShutdown: 'stop',
  });
  const store = new RevisionStore(join(dir, name, 'config'));
  const s = new DaemonSupervisor(def, store, processes, createExecRunner(), { stateDir: join(dir, name, 'run') });
  supervisors.push(s);
  return s;
}

interface TestConfig {
  port: number;
  message: string;
  readyAfterSeconds?: number;
  neverReady?: boolean;
}

function revision(config: TestConfig, generation: number): DaemonRevision {
  const files = [{ name: 'testd.json', content: JSON.stringify({ host: '127.0.0.1', ...config }), mode: 0o644 }];
  return { hash: revisionHash(files), generation, files, ready: { tcp: { host: '127.0.0.1', port: config.port } } };
}

/** One reconcile pass: observe, plan, apply; returns the action types. */
async function reconcile(s: DaemonSupervisor, desired: DaemonRevision): Promise<string[]> {
  const actions = planDaemon(desired, await s.observe(signal()));
  for (const a of actions) await s.apply(a, signal());
  return actions.map((a) => a.type);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const get = async (port: number): Promise<string> => (await fetch(`http://127.0.0.1:${port}/`)).text();

describe('daemon kit with a real python3 daemon', () => {
  it('waits out a slow start, reloads by signal in the same process and serves the new config (no checker)', async () => {
    const s = supervisor();
    const port = await freePort();
    const began = Date.now();
    expect(await reconcile(s, revision({ port, message: 'one', readyAfterSeconds: 1 }, 1))).toEqual([
      'install',
      'start',
    ]);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    const first = await s.observe(signal());
    expect(first).toMatchObject({ phase: 'running', healthy: { generation: 1 } });
    expect(await get(port)).toBe('one');

    expect(await reconcile(s, revision({ port, message: 'two' }, 2))).toEqual(['install', 'reload']);
    await waitFor(async () => (await get(port)) === 'two', { what: 'the reloaded message', timeoutMs: 5_000 });
    expect(await s.observe(signal())).toMatchObject({ pid: first.pid, running: { generation: 2 } });
    expect(await reconcile(s, revision({ port, message: 'two' }, 2))).toEqual([]);
  }, 30_000);

  it('rolls a revision that never becomes ready back to the last healthy one, and does not retry it', async () => {
    const s = supervisor('testd', { initialDelayMs: 0, periodMs: 100, timeoutMs: 1_500 });
    const [good, bad] = [await freePort(), await freePort()];
    const healthy = revision({ port: good, message: 'good' }, 1);
    await reconcile(s, healthy);
    const broken = revision({ port: bad, message: 'bad', neverReady: true }, 2);
    await expect(reconcile(s, broken)).rejects.toMatchObject({ reason: 'NotReady' });

    expect(await reconcile(s, broken)).toEqual(['activate', 'reload']);
    await waitFor(async () => (await get(good)) === 'good', { what: 'the old revision serving', timeoutMs: 5_000 });
    const after = await s.observe(signal());
    expect(after).toMatchObject({ phase: 'running', running: { hash: healthy.hash }, installedHash: healthy.hash });
    expect(after.failed).toMatchObject({ hash: broken.hash, generation: 2 });
    // Not retried while the spec stays the same.
    expect(await reconcile(s, broken)).toEqual([]);
    const degraded = daemonConditions('testd', broken, after).find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(degraded?.message).toContain(`revision ${broken.hash} (generation 2)`);
    // A new spec is a new hash: it goes live.
    expect(await reconcile(s, revision({ port: bad, message: 'fixed' }, 3))).toEqual(['install', 'reload']);
    expect(await get(bad)).toBe('fixed');
  }, 30_000);

  it('tells two python3 processes apart by their command line, and a recycled pid by its start time', async () => {
    const [a, b] = [supervisor('testa'), supervisor('testb')];
    await reconcile(a, revision({ port: await freePort(), message: 'a' }, 1));
    await reconcile(b, revision({ port: await freePort(), message: 'b' }, 1));
    const [pa, pb] = [(await a.observe(signal())).pid!, (await b.observe(signal())).pid!];
    const [ida, idb] = [await processes.identify(pa), await processes.identify(pb)];
    // Both are python3 (by whatever path a launcher ran it): the program name alone cannot tell them apart.
    expect([ida, idb].map((id) => basename(id!.argv[0]!))).toEqual(['python3', 'python3']);
    const config = (name: string): string => join(dir, name, 'config', 'current', 'testd.json');
    const recorded: ProcessIdentity = {
      ...ida!,
      argv: ['python3', '-m', 'csgw_test_daemon', '--config', config('testa')],
    };
    expect(sameProcess(recorded, ida)).toBe(true);
    expect(sameProcess(recorded, idb && { ...idb, pid: pa })).toBe(false);
    expect(sameProcess({ ...recorded, startTime: String(Number(recorded.startTime) + 1) }, ida)).toBe(false);

    // A state file naming b's pid with a's command line is not adopted.
    const state = join(dir, 'testa', 'run', 'testa.state.json');
    await writeFile(
      state,
      JSON.stringify({ hash: 'x', pid: pb, startedAt: 0, startTime: idb!.startTime, argv: recorded.argv }),
    );
    const c = supervisor('testa');
    await c.adopt();
    expect((await c.observe(signal())).phase).toBe('stopped');
  }, 30_000);
});
