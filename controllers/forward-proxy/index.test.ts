import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeRunner } from '../../testing/fake-runner.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import { createForwardProxyController, type ForwardProxyOptions } from './index.js';

/** Processes are never started here: these tests stop at probe and at a refused config. */
const noProcesses: ProcessPort = {
  spawn: () => Promise.reject(new Error('no processes in this test')),
  identify: () => Promise.resolve(undefined),
  kill: () => undefined,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-proxy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function controller(runner: FakeRunner, over: Partial<ForwardProxyOptions> = {}) {
  return createForwardProxyController({
    runner,
    processes: noProcesses,
    daemonDir: dir,
    user: { name: 'proxy', owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 } },
    vpcCidrs: ['10.0.0.0/16'],
    onShutdown: 'stop',
    ...over,
  });
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000);
const snapshot = (spec: unknown) => ({
  kind: 'ForwardProxy',
  resources: [{ name: 'default', generation: 4, value: JSON.stringify(spec) }],
  related: { DomainFilter: [], Secret: [] },
});

describe('ForwardProxy controller', () => {
  /** Probe, decode, observe and plan one spec: the plan, or the error planning threw. */
  async function planFor(c: ReturnType<typeof controller>, spec: unknown): Promise<unknown> {
    await c.probe(signal());
    const decoded = c.decode(snapshot(spec));
    if (!decoded.ok) throw new Error(decoded.errors.join());
    const observed = await c.observe(signal(), { full: true, desired: decoded.desired });
    try {
      return c.plan(decoded.desired, observed).map((a) => a.type);
    } catch (err) {
      return err;
    }
  }

  it('on a host without squid: fine with no proxy wanted, inert with a clear reason when one is', async () => {
    const missing = new FakeRunner(() => Promise.reject(new Error('spawn squid ENOENT')));
    const c = controller(missing);
    expect(await c.probe(signal())).toMatchObject({
      ok: true,
      details: { proxy: expect.stringContaining('not installed') },
    });
    expect(await planFor(c, { enable: false })).toEqual([]);
    expect(await planFor(c, { enable: true })).toMatchObject({ reason: 'DaemonNotInstalled', inert: true });
  });

  it('is inert where squid has no account to run as', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'Squid Cache: Version 5.7\n' }));
    const c = controller(runner, { user: { name: 'proxy' } });
    expect(await planFor(c, { enable: true })).toMatchObject({ reason: 'DaemonUserMissing', inert: true });
  });

  it('reports the squid version it found', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'Squid Cache: Version 5.7\nService Name: squid\n' }));
    expect(await controller(runner).probe(signal())).toMatchObject({ ok: true, details: { proxy: 'squid 5.7' } });
  });

  it('never installs a config squid refuses: the error lines reach the failure and the status details', async () => {
    const runner = new FakeRunner((cmd) =>
      cmd.args.includes('parse')
        ? { exitCode: 1, stderr: '2026/12/04 17:00:26| FATAL: Bungled squid.conf line 7: acl x y\n' }
        : { stdout: '000' },
    );
    const c = controller(runner);
    const decoded = c.decode(snapshot({ enable: true }));
    if (!decoded.ok) throw new Error(decoded.errors.join());
    const observed = await c.observe(signal(), { full: true, desired: decoded.desired });
    const actions = c.plan(decoded.desired, observed);
    expect(actions.map((a) => a.type)).toEqual(['install', 'start']);
    await expect(c.apply(actions, signal())).rejects.toMatchObject({
      reason: 'ConfigRejected',
      message: 'squid refused the new config: FATAL: Bungled squid.conf line 7: acl x y',
    });
    const after = await c.observe(signal(), { full: true, desired: decoded.desired });
    expect(after.daemon.installedHash).toBeUndefined();
    expect(c.details(decoded.desired, after)).toMatchObject({
      lastValidationError: 'FATAL: Bungled squid.conf line 7: acl x y',
    });
    expect(runner.calls.some((call) => call.args[0] === '-N')).toBe(false);
  });
});
