import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createExecRunner } from './exec-runner.js';
import { createTcpCheck } from './tcp-connect.js';
import type { CommandRunner } from '../runtime/ports.js';

let server: Server;
let open: number;
let closed: number;

async function listen(): Promise<Server> {
  const s = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

beforeEach(async () => {
  server = await listen();
  open = (server.address() as AddressInfo).port;
  // A port that was just free and is closed again: refused at once, nothing listens there.
  const spare = await listen();
  closed = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const signal = (): AbortSignal => AbortSignal.timeout(10_000);

describe('createTcpCheck', () => {
  it('connects in-process: true when something listens, false when refused or already aborted', async () => {
    const check = createTcpCheck();
    await expect(check('127.0.0.1', open, 2_000, signal())).resolves.toBe(true);
    await expect(check('127.0.0.1', closed, 2_000, signal())).resolves.toBe(false);
    await expect(check('127.0.0.1', open, 2_000, AbortSignal.abort())).resolves.toBe(false);
  });

  it('runs a fixed program through the runner, with the target as separate arguments', async () => {
    const seen: (readonly string[])[] = [];
    const exec = createExecRunner();
    const recording: CommandRunner = {
      run: (file, args, opts) => {
        seen.push([file, ...args]);
        return exec.run(file, args, opts);
      },
    };
    const check = createTcpCheck(recording);
    await expect(check('127.0.0.1', open, 5_000, signal())).resolves.toBe(true);
    await expect(check('127.0.0.1', closed, 5_000, signal())).resolves.toBe(false);
    expect(seen[0]).toEqual([process.execPath, '-e', expect.any(String), '127.0.0.1', String(open), '5000']);
  });

  it('never runs anything for a value that is not a target', async () => {
    const runs: string[] = [];
    const runner: CommandRunner = {
      run: (file) => {
        runs.push(file);
        return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
      },
    };
    for (const check of [createTcpCheck(runner), createTcpCheck()])
      for (const [address, port] of [
        ['127.0.0.1; id', 80],
        ['--inspect', 80],
        ['::1', 80],
        ['127.0.0.1', 0],
        ['127.0.0.1', 70000],
      ] as const)
        await expect(check(address, port, 1_000, signal())).resolves.toBe(false);
    expect(runs).toEqual([]);
  });
});
