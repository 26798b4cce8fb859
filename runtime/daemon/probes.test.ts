import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeRunner } from '../../testing/fake-runner.js';
import { defineDaemon } from './definition.js';
import { HostProbes } from './probes.js';
import { RevisionStore } from './revisions.js';
import { DaemonSupervisor } from './supervisor.js';
import type { ProcessPort } from './types.js';

const ADDRESSES = JSON.stringify([{ addr_info: [{ local: '127.0.0.1' }] }, { addr_info: [{ local: '10.0.0.5' }] }]);
const LISTENERS = [
  'LISTEN 0 256 0.0.0.0:3128 0.0.0.0:* users:(("squid",pid=42,fd=9))',
  'LISTEN 0 256 10.0.0.5:8080 0.0.0.0:* users:(("nginx",pid=77,fd=9))',
].join('\n');

const host = (): FakeRunner =>
  new FakeRunner((cmd) => (cmd.file === 'ip' ? { stdout: ADDRESSES } : cmd.file === 'ss' ? { stdout: LISTENERS } : {}));
const signal = (): AbortSignal => AbortSignal.timeout(5_000);

describe('HostProbes.preflight', () => {
  it('refuses an address that is not local and a port another process holds; our own daemon may hold it', async () => {
    const probes = new HostProbes(host());
    expect(await probes.preflight([{ localAddress: '10.0.0.5' }], undefined, signal())).toEqual([]);
    expect(await probes.preflight([{ localAddress: '192.0.2.1' }], undefined, signal())).toEqual([
      '192.0.2.1 is not an address of this host (it has 127.0.0.1, 10.0.0.5)',
    ]);
    const port8080 = [{ portAvailable: { host: '0.0.0.0', port: 8080 } }];
    expect(await probes.preflight(port8080, undefined, signal())).toEqual([
      'port 8080 is already in use (10.0.0.5:8080 by pid 77)',
    ]);
    // squid (pid 42) holds 0.0.0.0:3128: it may move to 10.0.0.5:3128, a stranger may not.
    const port3128 = [{ portAvailable: { host: '10.0.0.5', port: 3128 } }];
    expect(await probes.preflight(port3128, { pid: 42, listens: [] }, signal())).toEqual([]);
    expect(await probes.preflight(port3128, { pid: 43, listens: [] }, signal())).toHaveLength(1);
  });

  it('where ss cannot name the process, a socket our running revision listens on is ours', async () => {
    const anonymous = new FakeRunner(() => ({ stdout: 'LISTEN 0 256 0.0.0.0:3128 0.0.0.0:*\n' }));
    const probes = new HostProbes(anonymous);
    const check = [{ portAvailable: { host: '10.0.0.5', port: 3128 } }];
    const ours = { pid: 42, listens: [{ host: '0.0.0.0', port: 3128 }] };
    expect(await probes.preflight(check, ours, signal())).toEqual([]);
    expect(await probes.preflight(check, { pid: 42, listens: [{ host: '10.0.0.5', port: 3128 }] }, signal())).toEqual([
      'port 3128 is already in use (0.0.0.0:3128)',
    ]);
    expect(await probes.preflight(check, undefined, signal())).toHaveLength(1);
  });

  it('answers readiness by a listening socket, an HTTP status, or a command', async () => {
    const probes = new HostProbes(
      new FakeRunner((cmd) =>
        cmd.file === 'ss' ? { stdout: LISTENERS } : cmd.file === 'curl' ? { stdout: '200' } : { exitCode: 3 },
      ),
    );
    expect(await probes.ready({ tcp: { host: '127.0.0.1', port: 3128 } }, signal())).toMatchObject({ ok: true });
    expect(await probes.ready({ tcp: { host: '127.0.0.1', port: 8080 } }, signal())).toMatchObject({ ok: false });
    expect(await probes.ready({ http: { url: 'http://127.0.0.1:3128/' } }, signal())).toMatchObject({ ok: true });
    expect(await probes.ready({ command: ['false'] }, signal())).toMatchObject({ ok: false });
  });
});

describe('install with pre-flight checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-preflight-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a failed pre-flight refuses the revision like a failed check: PreflightFailed, the live one untouched', async () => {
    const def = defineDaemon({
      name: 'd',
      configFile: 'd.conf',
      start: ['d'],
      reload: 'restart',
      readiness: { initialDelayMs: 0, periodMs: 100, timeoutMs: 1_000 },
      writableDirs: [],
      onShutdown: 'stop',
    });
    const none: ProcessPort = {
      spawn: () => Promise.reject(new Error('no processes here')),
      identify: () => Promise.resolve(undefined),
      kill: () => undefined,
    };
    const s = new DaemonSupervisor(def, new RevisionStore(join(dir, 'config')), none, host(), { stateDir: dir });
    const files = (c: string) => [{ name: 'd.conf', content: c, mode: 0o644 }];
    await s.apply({ type: 'install', revision: { hash: 'aaaa', files: files('a') } }, signal());
    const moved = { hash: 'bbbb', files: files('b'), preflight: [{ localAddress: '192.0.2.1' }] };
    await expect(s.apply({ type: 'install', revision: moved }, signal())).rejects.toMatchObject({
      reason: 'PreflightFailed',
    });
    expect(await s.observe(signal())).toMatchObject({
      installedHash: 'aaaa',
      lastCheckError: expect.stringContaining('192.0.2.1 is not an address of this host'),
    });
  });
});
