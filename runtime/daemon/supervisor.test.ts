import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcessPort } from '../../adapters/daemon-process.js';
import { createExecRunner } from '../../adapters/exec-runner.js';
import { waitFor } from '../../testing/wait.js';
import { ControllerError } from '../controller.js';
import { RevisionStore, revisionHash } from './revisions.js';
import { DaemonSupervisor } from './supervisor.js';
import { defineDaemon, type DaemonDefinition } from './definition.js';
import type { DaemonRevision, RunningConfig } from './types.js';

/**
 * A real process (sleep) under the supervisor: its "config check" accepts a config whose first line is "ok", its
 * readiness is a file the test creates or removes.
 */
let dir: string;
let supervisors: DaemonSupervisor[];

function definition(onShutdown: 'stop' | 'keep'): DaemonDefinition {
  return defineDaemon({
    name: 'sleeper',
    configFile: 'sleeper.conf',
    writableDirs: [join(dir, 'data')],
    start: ['sleep', '600'],
    check: ['grep', '-qx', 'ok', '{config}'],
    problems: () => ['first line is not "ok"'],
    reload: { command: ['true'] },
    readiness: { initialDelayMs: 0, periodMs: 20, timeoutMs: 2_000 },
    onShutdown,
  });
}

async function setHealthy(on: boolean): Promise<void> {
  if (on) await writeFile(join(dir, 'healthy'), '');
  else await rm(join(dir, 'healthy'), { force: true });
}

function supervisor(onShutdown: 'stop' | 'keep' = 'stop', windowMs = 60_000): DaemonSupervisor {
  const store = new RevisionStore(join(dir, 'config'));
  const s = new DaemonSupervisor(definition(onShutdown), store, createProcessPort(), createExecRunner(), {
    stateDir: join(dir, 'run'),
    crashPolicy: { windowMs, loopThreshold: 3, baseDelayMs: 50, maxDelayMs: 200 },
  });
  supervisors.push(s);
  return s;
}

const files = (content: string) => [{ name: 'sleeper.conf', content: `${content}\n`, mode: 0o644 }];
const signal = (): AbortSignal => AbortSignal.timeout(10_000);
const ready = (): RunningConfig['ready'] => ({ command: ['test', '-e', join(dir, 'healthy')] });

function revision(content: string): DaemonRevision {
  return { hash: revisionHash(files(content)), files: files(content), ready: ready() };
}

async function installed(s: DaemonSupervisor, content = 'ok'): Promise<string> {
  const r = revision(content);
  await s.apply({ type: 'install', revision: r }, signal());
  return r.hash;
}

/** Starts `hash` as the plan would: the config carries its readiness probe. */
function start(s: DaemonSupervisor, config: RunningConfig): Promise<void> {
  return s.apply({ type: 'start', config: { ready: ready(), ...config } }, signal());
}

/** The pid once the daemon runs (after a crash it may still be in back-off). */
function runningPid(s: DaemonSupervisor): Promise<number> {
  return waitFor(
    async () => {
      const o = await s.observe(signal());
      return o.phase === 'running' ? o.pid : undefined;
    },
    { what: 'daemon running', timeoutMs: 2_000, intervalMs: 20 },
  );
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-supervisor-'));
  await setHealthy(true);
  supervisors = [];
});

afterEach(async () => {
  for (const s of supervisors) await s.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('DaemonSupervisor', () => {
  it('installs a checked revision, starts it and reports it running', async () => {
    const s = supervisor();
    const hash = await installed(s);
    await start(s, { hash, generation: 3 });
    const seen = await s.observe(signal());
    expect(seen).toMatchObject({ phase: 'running', installedHash: hash, running: { hash, generation: 3 } });
    expect(alive(seen.pid!)).toBe(true);
    expect(await readlink(join(dir, 'config', 'current'))).toBe(`rev-${hash}`);
    expect((await stat(join(dir, 'data'))).isDirectory()).toBe(true);
  });

  it("creates the daemon's directories before its check, which may open them", async () => {
    const s = supervisor();
    await installed(s);
    expect((await stat(join(dir, 'data'))).isDirectory()).toBe(true);
  });

  it('refuses a candidate its check rejects, keeps the live revision and reports the error', async () => {
    const s = supervisor();
    const good = await installed(s);
    const bad = revisionHash(files('broken'));
    const refused = s.apply({ type: 'install', revision: revision('broken') }, signal());
    await expect(refused).rejects.toThrow(ControllerError);
    await expect(refused).rejects.toMatchObject({ reason: 'ConfigRejected' });
    const seen = await s.observe(signal());
    expect(seen.installedHash).toBe(good);
    expect(seen.lastCheckError).toBe('first line is not "ok"');
    await expect(stat(join(dir, 'config', `rev-${bad}`))).rejects.toThrow();
    await installed(s, 'ok\nmore');
    expect((await s.observe(signal())).lastCheckError).toBeUndefined();
  });

  it('restarts a killed daemon at once; only repeated crashes make a crash loop', async () => {
    const s = supervisor();
    await start(s, { hash: await installed(s) });
    const first = (await s.observe(signal())).pid!;
    process.kill(first, 'SIGKILL');
    const back = await waitFor(
      async () => {
        const o = await s.observe(signal());
        return o.phase === 'running' && o.pid !== first ? o : undefined;
      },
      { what: 'restarted', timeoutMs: 2_000, intervalMs: 20 },
    );
    expect(back.crashes).toMatchObject({ recent: 1, loop: false, lastExit: 'killed by SIGKILL' });
    for (let i = 0; i < 2; i++) {
      const pid = await runningPid(s);
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => ((await s.observe(signal())).pid !== pid ? true : undefined), {
        what: `crash ${i + 2} noticed`,
        timeoutMs: 2_000,
        intervalMs: 20,
      });
    }
    const looping = await s.observe(signal());
    expect(looping.crashes).toMatchObject({ recent: 3, loop: true });
    await waitFor(async () => ((await s.observe(signal())).phase === 'running' ? true : undefined), {
      what: 'running again after back-off',
      timeoutMs: 2_000,
      intervalMs: 20,
    });
  });

  it('forgets crashes older than the window', async () => {
    const s = supervisor('stop', 300);
    await start(s, { hash: await installed(s) });
    process.kill((await s.observe(signal())).pid!, 'SIGKILL');
    await waitFor(async () => ((await s.observe(signal())).crashes.recent === 1 ? true : undefined), {
      what: 'crash counted',
      timeoutMs: 2_000,
      intervalMs: 20,
    });
    await new Promise((r) => setTimeout(r, 350));
    expect((await s.observe(signal())).crashes.recent).toBe(0);
  });

  it('reload keeps the process and records the new revision; restart replaces it', async () => {
    const s = supervisor();
    const one = await installed(s);
    await start(s, { hash: one, generation: 1 });
    const pid = (await s.observe(signal())).pid;
    const two = await installed(s, 'ok\n2');
    await s.apply({ type: 'reload', config: { hash: two, generation: 2, ready: ready() } }, signal());
    expect(await s.observe(signal())).toMatchObject({ pid, running: { hash: two, generation: 2 } });
    await s.apply({ type: 'restart', config: { hash: two, generation: 2, ready: ready() }, why: 'test' }, signal());
    const after = await s.observe(signal());
    expect(after.pid).not.toBe(pid);
    expect(alive(pid!)).toBe(false);
  });

  it('reports a daemon that never answers: starting within the grace time, then a failed start', async () => {
    const s = supervisor();
    await setHealthy(false);
    const hash = await installed(s);
    await expect(start(s, { hash })).rejects.toMatchObject({ reason: 'NotReady' });
    expect((await s.observe(signal())).phase).toBe('unhealthy');
  });

  it('stops on shutdown by default; with keep, the next supervisor adopts the running daemon', async () => {
    const kept = supervisor('keep');
    const hash = await installed(kept);
    await start(kept, { hash, generation: 5 });
    const pid = (await kept.observe(signal())).pid!;
    await kept.shutdown();
    expect(alive(pid)).toBe(true);
    const next = supervisor('stop');
    await next.adopt();
    expect(await next.observe(signal())).toMatchObject({ phase: 'running', pid, running: { hash, generation: 5 } });
    // An adopted daemon is watched too: its crash is seen and it is restarted.
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const o = await next.observe(signal());
        return o.phase === 'running' && o.pid !== pid ? true : undefined;
      },
      { what: 'adopted daemon restarted', timeoutMs: 3_000, intervalMs: 20 },
    );
    const last = (await next.observe(signal())).pid!;
    await next.shutdown();
    expect(alive(last)).toBe(false);
    expect(await readFile(join(dir, 'run', 'sleeper.state.json'), 'utf8').catch(() => 'gone')).toBe('gone');
  });

  it('uninstall removes every revision', async () => {
    const s = supervisor();
    await installed(s);
    await s.apply({ type: 'uninstall' }, signal());
    expect((await s.observe(signal())).installedHash).toBeUndefined();
  });
});
