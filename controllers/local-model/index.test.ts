import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecRunner } from '../../adapters/exec-runner.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { ProcessExit, ProcessPort } from '../../runtime/daemon/types.js';
import type { GpuProbe, WeightsPort } from '../../runtime/local-inference.js';
import { parseVllmArgs } from '../../testing/fake-vllm-args.js';
import { startFakeVllm, type FakeVllm } from '../../testing/fake-vllm.js';
import { waitFor } from '../../testing/wait.js';
import { createLocalModelController } from './index.js';
import type { LocalModelObserved } from './types.js';

/**
 * The controller through the real daemon kit and real readiness and port probes (curl, ss), with vLLM played by the
 * fake vLLM library: the process port "spawns" it in this process from the argv the kit built (`serve --config
 * <the rendered YAML>`), so what vLLM would read is what the fake serves. Its pid is this process's, which ss names
 * as the listener, as it would name vLLM's (one model at a time here).
 */
class InProcessVllm implements ProcessPort {
  readonly servers = new Map<number, { fake: FakeVllm; argv: string[]; exit: (e: ProcessExit) => void }>();

  async spawn(argv: readonly string[]): Promise<{ pid: number; exited: Promise<ProcessExit> }> {
    const fake = await startFakeVllm({ args: parseVllmArgs(argv.slice(1)) });
    const pid = process.pid;
    let exit!: (e: ProcessExit) => void;
    const exited = new Promise<ProcessExit>((resolve) => (exit = resolve));
    this.servers.set(pid, { fake, argv: [...argv], exit });
    return { pid, exited };
  }

  identify(pid: number): Promise<{ pid: number; startTime: string; argv: string[] } | undefined> {
    const s = this.servers.get(pid);
    return Promise.resolve(s ? { pid, startTime: '1', argv: s.argv } : undefined);
  }

  kill(pid: number): void {
    const s = this.servers.get(pid);
    if (!s) return;
    this.servers.delete(pid);
    void s.fake.close().then(() => s.exit({ code: 0, signal: 'SIGTERM' }));
  }
}

let dir: string;
let processes: InProcessVllm;
let controllers: ReturnType<typeof createLocalModelController>[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-lm-'));
  processes = new InProcessVllm();
  controllers = [];
});
afterEach(async () => {
  // A failed test must not leave supervisors (and their timers) behind.
  for (const c of controllers) await c.shutdown?.();
  for (const pid of [...processes.servers.keys()]) processes.kill(pid);
  await rm(dir, { recursive: true, force: true });
});

const signal = (): AbortSignal => AbortSignal.timeout(10_000);
const GPU: GpuProbe = { found: true, detail: '/dev/nvidia0' };

function controller(opts: { gpu?: GpuProbe; vllm?: string; weights?: Partial<WeightsPort> } = {}) {
  const weights: WeightsPort = {
    sync: () => Promise.resolve({ objects: 3, bytes: 30, fetched: 3 }),
    present: () => Promise.resolve(false),
    ...opts.weights,
  };
  const c = createLocalModelController({
    runner: createExecRunner(),
    processes,
    inference: {
      command: ['vllm'],
      host: {
        gpu: () => Promise.resolve(opts.gpu ?? GPU),
        executable: (p) => Promise.resolve(opts.vllm === undefined ? `/usr/local/bin/${p}` : undefined),
      },
      weights,
    },
    daemonDir: dir,
    onShutdown: 'stop',
  });
  controllers.push(c);
  return c;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const snapshot = (spec: Record<string, unknown>): KindSnapshot => ({
  kind: 'LocalModel',
  resources: [{ name: 'tiny', generation: 3, value: JSON.stringify(spec) }],
});

/** One reconcile pass, as the runtime runs it; the background steps report on changes$. */
async function pass(c: ReturnType<typeof controller>, spec: Record<string, unknown>) {
  const decoded = c.decode(snapshot(spec));
  if (!decoded.ok) throw new Error(decoded.errors.join());
  const observed = await c.observe(signal(), { full: true, desired: decoded.desired });
  const actions = c.plan(decoded.desired, observed);
  await c.apply(actions, signal());
  return { desired: decoded.desired, observed, actions };
}

async function settle(c: ReturnType<typeof controller>, spec: Record<string, unknown>): Promise<LocalModelObserved> {
  return waitFor(
    async () => {
      const { observed, actions } = await pass(c, spec);
      const busy = observed.models.some((m) => m.work.phase);
      return actions.length === 0 && !busy ? observed : undefined;
    },
    { timeoutMs: 15_000, what: 'the model to settle' },
  );
}

/** Deletes every LocalModel and reconciles until no model is known and no vLLM runs. */
async function removeAll(c: ReturnType<typeof controller>, what: string): Promise<void> {
  const gone = c.decode({ kind: 'LocalModel', resources: [] });
  if (!gone.ok) throw new Error('decodes');
  await waitFor(
    async () => {
      const now = await c.observe(signal(), { full: true, desired: gone.desired });
      await c.apply(c.plan(gone.desired, now), signal());
      return now.models.length === 0 && processes.servers.size === 0 ? true : undefined;
    },
    { timeoutMs: 10_000, what },
  );
}

describe('LocalModel controller', () => {
  it('is inert without a GPU (NoGpu) or without vLLM (NotInstalled), and never starts anything', async () => {
    const noGpu = await controller({ gpu: { found: false, detail: 'no /dev/nvidia*' } }).probe(signal());
    expect(noGpu).toMatchObject({ ok: false, reason: 'NoGpu' });
    expect(await controller({ vllm: 'missing' }).probe(signal())).toMatchObject({ ok: false, reason: 'NotInstalled' });
    expect(processes.servers.size).toBe(0);
  });

  it('syncs the weights, starts vLLM with the rendered config and serves once the model is listed', async () => {
    const synced: string[] = [];
    const c = controller({
      weights: {
        sync: (source, to) => {
          synced.push(`${source.uri} -> ${to}`);
          return Promise.resolve({ objects: 2, bytes: 10, fetched: 2 });
        },
      },
    });
    expect(await c.probe(signal())).toMatchObject({ ok: true });
    const port = await freePort();
    const spec = { weights: { s3Uri: 's3://models/tiny/' }, port, maxNumSeqs: 2 };
    const first = await pass(c, spec);
    expect(first.actions).toMatchObject([{ type: 'run', model: 'tiny', sync: { uri: 's3://models/tiny/' } }]);
    const observed = await settle(c, spec);
    expect(synced).toEqual([`s3://models/tiny/ -> ${dir}/local-models/tiny/weights`]);
    const [server] = [...processes.servers.values()];
    expect(server!.fake.args).toMatchObject({ port, servedModelNames: ['tiny'], maxNumSeqs: 2, host: '127.0.0.1' });
    const details = c.details(first.desired, observed);
    expect(details).toMatchObject({ models: [{ name: 'tiny', endpoint: 'local/tiny', phase: 'Serving' }] });
    expect(c.conditions!(first.desired, observed)).toEqual([]);
  }, 30_000);

  it('reports a failed sync and backs off instead of retrying at once', async () => {
    const c = controller({ weights: { sync: () => Promise.reject(new Error('AccessDenied on s3://models/tiny/')) } });
    await c.probe(signal());
    const spec = { weights: { s3Uri: 's3://models/tiny/' }, port: await freePort() };
    await pass(c, spec);
    const { desired, observed, actions } = await waitFor(
      async () => {
        const p = await pass(c, spec);
        return p.observed.models[0]?.work.lastError ? p : undefined;
      },
      { timeoutMs: 5_000, what: 'the failed sync' },
    );
    expect(actions).toEqual([]);
    expect(c.conditions!(desired, observed)).toMatchObject([
      { type: 'Ready', status: 'False', reason: 'WeightsSyncFailed' },
    ]);
    expect(processes.servers.size).toBe(0);
    // Deleted while its last step had failed: removed once, not again and again.
    await removeAll(c, 'the failed model removed');
  });

  it('starts from the weights an earlier sync left when S3 fails, with a warning', async () => {
    const c = controller({
      weights: { sync: () => Promise.reject(new Error('SlowDown')), present: () => Promise.resolve(true) },
    });
    await c.probe(signal());
    const spec = { weights: { s3Uri: 's3://models/tiny/' }, port: await freePort() };
    const observed = await settle(c, spec);
    const decoded = c.decode(snapshot(spec));
    if (!decoded.ok) throw new Error('decodes');
    expect(c.details(decoded.desired, observed)).toMatchObject({ models: [{ phase: 'Serving' }] });
    expect(c.warnings(decoded.desired, observed)).toMatchObject([{ reason: 'WeightsSyncFailed', resource: 'tiny' }]);
  }, 30_000);

  it('stops a sync in flight when the resource goes, and lets a corrected spec go ahead of it', async () => {
    const stopped: string[] = [];
    const hanging: Partial<WeightsPort> = {
      sync: (source, _dir, abort) =>
        new Promise((_resolve, reject) =>
          abort.addEventListener('abort', () => {
            stopped.push(source.uri);
            reject(new Error('aborted'));
          }),
        ),
    };
    const c = controller({ weights: hanging });
    await c.probe(signal());
    const port = await freePort();
    await pass(c, { weights: { s3Uri: 's3://models/slow/' }, port });
    await settle(c, { weights: { path: '/models/tiny' }, port });
    expect(stopped).toEqual(['s3://models/slow/']);
    expect([...processes.servers.values()].map((s) => s.fake.args.model)).toEqual(['/models/tiny']);
    await pass(c, { weights: { s3Uri: 's3://models/slow-again/' }, port, maxModelLen: 1024 });
    await removeAll(c, 'the loading model removed');
    expect(stopped).toEqual(['s3://models/slow/', 's3://models/slow-again/']);
  }, 30_000);

  it('restarts vLLM for a new revision and stops it when the resource goes', async () => {
    const c = controller();
    await c.probe(signal());
    const port = await freePort();
    await settle(c, { weights: { path: '/models/tiny' }, port });
    const before = [...processes.servers.values()].map((s) => s.fake);
    const observed = await settle(c, { weights: { path: '/models/tiny' }, port, maxModelLen: 2048 });
    expect(observed.models[0]?.work.lastError).toBeUndefined();
    const after = [...processes.servers.values()].map((s) => s.fake);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    expect(after[0]!.args.maxModelLen).toBe(2048);
    await removeAll(c, 'the model removed');
  }, 30_000);
});
