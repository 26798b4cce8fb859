import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import { AI_SECRETS, exampleSecrets, STATUS_DOCUMENT } from '../../testing/ai-gateway-fixtures.js';
import { FakeRunner } from '../../testing/fake-runner.js';
import { createAiGatewayController, type AiGatewayOptions } from './index.js';

/** Processes are never started here: these tests stop at probe, at a refused config and at an installed one. */
const noProcesses: ProcessPort = {
  spawn: () => Promise.reject(new Error('no processes in this test')),
  identify: () => Promise.resolve(undefined),
  kill: () => undefined,
};
const SELF = ['/usr/bin/node', '/opt/csgw/dist/cli/main.js'];
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-ai-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function controller(runner: FakeRunner, over: Partial<AiGatewayOptions> = {}) {
  return createAiGatewayController({
    runner,
    processes: noProcesses,
    daemonDir: dir,
    self: SELF,
    user: { name: 'csgw-ai', owner: me },
    vpcCidrs: ['10.0.0.0/16'],
    onShutdown: 'keep',
    ...over,
  });
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000);
const snapshot = {
  kind: 'AiGateway',
  resources: [{ name: 'default', generation: 4, value: JSON.stringify(aiGatewayKind.example.spec) }],
  related: { Secret: exampleSecrets() },
};

async function planned(c: ReturnType<typeof controller>) {
  await c.probe(signal());
  const decoded = c.decode(snapshot);
  if (!decoded.ok) throw new Error(decoded.errors.join());
  const observed = await c.observe(signal(), { full: true, desired: decoded.desired });
  return { desired: decoded.desired, actions: c.plan(decoded.desired, observed) };
}

describe('AiGateway controller', () => {
  it('reports the account the data plane runs as', async () => {
    expect(await controller(new FakeRunner()).probe(signal())).toMatchObject({
      ok: true,
      details: { runsAs: 'csgw-ai' },
    });
    const own = await controller(new FakeRunner(), { user: undefined }).probe(signal());
    expect(own.details).toEqual({ runsAs: `the operator's account (uid ${me.uid}): no user csgw-ai here` });
  });

  it('never installs a config the data plane refuses: its --check output reaches the failure and the details', async () => {
    const runner = new FakeRunner((cmd) =>
      cmd.args.includes('--check') ? { exitCode: 1, stderr: 'config: models[0].targets: empty\n' } : {},
    );
    const c = controller(runner);
    const { desired, actions } = await planned(c);
    expect(actions.map((a) => a.type)).toEqual(['install', 'start']);
    await expect(c.apply(actions, signal())).rejects.toMatchObject({
      reason: 'ConfigRejected',
      message: 'ai-gateway refused the new config: config: models[0].targets: empty',
    });
    const check = runner.calls.find((call) => call.args.includes('--check'));
    expect([check?.file, ...(check?.args ?? [])]).toEqual([
      ...SELF,
      'ai-gateway',
      '--check',
      '--config',
      join(dir, 'ai-gateway', 'config', `rev-${desired.spec.revision?.hash}`, 'ai-gateway.json'),
    ]);
    const after = await c.observe(signal(), { full: true, desired });
    expect(after.daemon.installedHash).toBeUndefined();
    expect(c.details(desired, after)).toMatchObject({ lastValidationError: 'config: models[0].targets: empty' });
  });

  it('installs a checked config as a 0600 file with no raw gateway key', async () => {
    const runner = new FakeRunner();
    const c = controller(runner);
    const { desired, actions } = await planned(c);
    await c.apply(
      actions.filter((a) => a.type === 'install'),
      signal(),
    );
    const file = join(dir, 'ai-gateway', 'config', 'current', 'ai-gateway.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(AI_SECRETS.openai);
    for (const key of [AI_SECRETS.teamSearch, AI_SECRETS.batch]) expect(text).not.toContain(key);
    const after = await c.observe(signal(), { full: true, desired });
    expect(after.daemon.installedHash).toBe(desired.spec.revision?.hash);
    // Nothing runs, so nothing asks the data plane for /status.
    expect(runner.calls.some((call) => call.file === 'curl')).toBe(false);
  });

  it('refuses a revision whose admin port another process holds, before anything goes live', async () => {
    const ss = 'LISTEN 0 511 127.0.0.1:8091 0.0.0.0:* users:(("node",pid=77,fd=20))\n';
    const c = controller(new FakeRunner((cmd) => (cmd.file === 'ss' ? { stdout: ss } : {})));
    const { actions } = await planned(c);
    await expect(c.apply(actions, signal())).rejects.toMatchObject({
      reason: 'PreflightFailed',
      message: expect.stringContaining('port 8091 is already in use (127.0.0.1:8091 by pid 77)'),
    });
  });

  it('starts csgw ai-gateway as its user, waits for /healthz, then reads /status from the admin port', async () => {
    const spawned: { argv: readonly string[]; uid?: number }[] = [];
    const killed: string[] = [];
    const processes: ProcessPort = {
      spawn: (argv, opts) => {
        spawned.push({ argv, ...(opts.uid !== undefined ? { uid: opts.uid } : {}) });
        return Promise.resolve({ pid: 4242, exited: new Promise(() => undefined) });
      },
      identify: (pid) => Promise.resolve({ pid, startTime: '1', argv: [...(spawned[0]?.argv ?? [])] }),
      kill: (_, sig) => void killed.push(sig),
    };
    const runner = new FakeRunner((cmd) => {
      const url = cmd.file === 'curl' ? cmd.args.at(-1) : undefined;
      if (url === 'http://127.0.0.1:8091/healthz') return { stdout: '200' };
      if (url === 'http://127.0.0.1:8091/status') return { stdout: JSON.stringify(STATUS_DOCUMENT) };
      return {};
    });
    const c = controller(runner, { processes });
    const { desired, actions } = await planned(c);
    await c.apply(actions, signal());
    expect(spawned).toEqual([
      {
        argv: [...SELF, 'ai-gateway', '--config', join(dir, 'ai-gateway', 'config', 'current', 'ai-gateway.json')],
        uid: me.uid,
      },
    ]);
    const observed = await c.observe(signal(), { full: false, desired });
    expect(observed).toMatchObject({ daemon: { phase: 'running', pid: 4242 }, dataPlane: { configHash: 'c0ffee' } });
    expect(c.plan(desired, observed)).toEqual([]);
    expect(c.warnings(desired, observed).map((w) => w.reason)).toEqual(['ProviderUnhealthy']);
    // onShutdown keep: an operator restart leaves the gateway serving.
    await c.shutdown?.();
    expect(killed).toEqual([]);
  });

  it('watches Secrets (a rotated key) and LocalModels (the local routes)', () => {
    expect(controller(new FakeRunner()).watches?.map((k) => k.kind)).toEqual(['Secret', 'LocalModel']);
  });
});
