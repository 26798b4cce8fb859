import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { connectOrStartEmbeddedSsm, discoverEmbeddedSsm, EmbeddedSsmLockedError, startEmbeddedSsm } from './index.js';
import { clientFor, rejection, tempDir } from './testdata/harness.js';

const FIXTURE = fileURLToPath(new URL('./testdata/serve-fixture.mjs', import.meta.url));
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await tempDir('life');
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs the endpoint in a separate node process and resolves with it once it prints its URL. */
async function serveInChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [FIXTURE, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => {
      reject(new Error(`fixture exited early with ${String(code)}`));
    });
  });
  lines.close();
  const parsed = JSON.parse(first) as { url: string };
  return { child, url: parsed.url };
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** A pid that certainly belongs to no live process: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('lifecycle', () => {
  it('advertises itself in endpoint.json and keeps data across a restart', async () => {
    const dir = await freshDir();
    const first = await startEmbeddedSsm({ dataDir: dir });
    expect(first.owned).toBe(true);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const endpoint = JSON.parse(await readFile(join(dir, 'endpoint.json'), 'utf8')) as { url: string; pid: number };
    expect(endpoint).toMatchObject({ url: first.url, pid: process.pid });
    expect(await discoverEmbeddedSsm(dir)).toBe(first.url);
    const client = clientFor(first.url);
    await client.send(new PutParameterCommand({ Name: '/keep/me', Value: 'v1', Type: 'String' }));
    await client.send(new PutParameterCommand({ Name: '/keep/me', Value: 'v2', Type: 'String', Overwrite: true }));
    client.destroy();
    await first.close();
    await first.close(); // idempotent
    expect(await discoverEmbeddedSsm(dir)).toBeUndefined();

    const second = await startEmbeddedSsm({ dataDir: dir });
    const again = clientFor(second.url);
    const hist = await again.send(new GetParameterHistoryCommand({ Name: '/keep/me' }));
    expect(hist.Parameters?.map((p) => p.Value)).toEqual(['v1', 'v2']);
    again.destroy();
    await second.close();
  });

  it('refuses a second server on the same data dir; connectOrStart joins the live one', async () => {
    const dir = await freshDir();
    const owner = await startEmbeddedSsm({ dataDir: dir });
    const err = await rejection(startEmbeddedSsm({ dataDir: dir }));
    expect(err).toBeInstanceOf(EmbeddedSsmLockedError);
    expect(err.message).toContain('already served');
    const joined = await connectOrStartEmbeddedSsm({ dataDir: dir });
    expect(joined).toMatchObject({ url: owner.url, owned: false });
    await joined.close(); // no-op
    expect(await discoverEmbeddedSsm(dir)).toBe(owner.url);
    await owner.close();
    const started = await connectOrStartEmbeddedSsm({ dataDir: dir });
    expect(started.owned).toBe(true);
    await started.close();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = await freshDir();
    const pid = await deadPid();
    await writeFile(join(dir, 'server.lock'), JSON.stringify({ pid, token: 'stale' }));
    await writeFile(join(dir, 'endpoint.json'), JSON.stringify({ url: 'http://127.0.0.1:1', pid, token: 'stale' }));
    expect(await discoverEmbeddedSsm(dir)).toBeUndefined();
    const handle = await connectOrStartEmbeddedSsm({ dataDir: dir });
    expect(handle.owned).toBe(true);
    expect(await discoverEmbeddedSsm(dir)).toBe(handle.url);
    await handle.close();
  });

  it('treats a lock naming a reused pid (same pid, other start time) as stale', async () => {
    const dir = await freshDir();
    // Containers often run the server as pid 1 on every start: the pid alone proves nothing.
    const lock = { pid: process.pid, startTime: '1', token: 'old-incarnation' };
    await writeFile(join(dir, 'server.lock'), JSON.stringify(lock));
    const handle = await startEmbeddedSsm({ dataDir: dir });
    expect(handle.owned).toBe(true);
    await handle.close();
  });

  it('refuses to start on a corrupt parameter file rather than silently dropping it', async () => {
    const dir = await freshDir();
    const handle = await startEmbeddedSsm({ dataDir: dir });
    const client = clientFor(handle.url);
    await client.send(new PutParameterCommand({ Name: '/c', Value: 'v', Type: 'String' }));
    client.destroy();
    await handle.close();
    const [file] = await readdir(join(dir, 'parameters'));
    await writeFile(join(dir, 'parameters', file ?? 'missing'), '{"format":1,"name":"/c"}');
    expect((await rejection(startEmbeddedSsm({ dataDir: dir }))).message).toContain('corrupt');
    expect(await discoverEmbeddedSsm(dir)).toBeUndefined();
    expect(await readdir(dir)).not.toContain('server.lock');
  });

  it('treats a garbled lock file as stale', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'server.lock'), '');
    const handle = await startEmbeddedSsm({ dataDir: dir });
    await handle.close();
  });

  it('keeps acknowledged writes when the serving process is killed with SIGKILL', async () => {
    const dir = await freshDir();
    const { child, url } = await serveInChild(dir);
    try {
      const joined = await connectOrStartEmbeddedSsm({ dataDir: dir });
      expect(joined).toMatchObject({ url, owned: false });
      expect((await rejection(startEmbeddedSsm({ dataDir: dir }))).name).toBe('EmbeddedSsmLockedError');
      const client = clientFor(url);
      for (let i = 1; i <= 5; i++) {
        await client.send(
          new PutParameterCommand({ Name: '/crash/p', Value: `v${i}`, Type: 'String', Overwrite: true }),
        );
      }
      await client.send(new PutParameterCommand({ Name: '/crash/s', Value: 'secret', Type: 'SecureString' }));
      client.destroy();
    } finally {
      await killHard(child);
    }
    expect(await discoverEmbeddedSsm(dir)).toBeUndefined();
    const handle = await connectOrStartEmbeddedSsm({ dataDir: dir });
    expect(handle.owned).toBe(true);
    const client = clientFor(handle.url);
    const p = await client.send(new GetParameterCommand({ Name: '/crash/p' }));
    expect(p.Parameter).toMatchObject({ Value: 'v5', Version: 5 });
    const s = await client.send(new GetParameterCommand({ Name: '/crash/s', WithDecryption: true }));
    expect(s.Parameter?.Value).toBe('secret');
    client.destroy();
    await handle.close();
  });
});
