// Argument parsing and start-up of the fake EC2 server process (main.ts is the entry point).
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Ec2Model } from './model.js';
import { FakeEc2Server } from './server.js';
import { loadState } from './state.js';

export interface FakeEc2Options {
  host: string;
  port: number;
  statePath?: string;
}

export const USAGE = 'usage: fake-ec2 [--listen HOST:PORT] [--state FILE.json]';

/** HOST:PORT, with IPv6 hosts in brackets ([::1]:8900). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !(port >= 0 && port <= 65535))
    throw new Error(`--listen: expected HOST:PORT, got ${value}`);
  return { host, port };
}

export function parseFakeEc2Args(argv: readonly string[]): FakeEc2Options {
  const { values } = parseArgs({
    args: [...argv],
    options: { listen: { type: 'string', default: '127.0.0.1:8900' }, state: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return { ...parseListen(values.listen), ...(values.state === undefined ? {} : { statePath: values.state }) };
}

/** Loads the state, listens, and returns the running server with the URL clients use. */
export async function startFakeEc2(opts: FakeEc2Options): Promise<{ server: FakeEc2Server; url: string }> {
  const model = new Ec2Model(opts.statePath === undefined ? {} : await loadState(opts.statePath));
  const server = new FakeEc2Server(model);
  return { server, url: await server.listen(opts.host, opts.port) };
}

export interface FakeEc2Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The whole process: prints the banner, serves until shutdown fires, returns the exit code. */
export async function runFakeEc2(argv: readonly string[], io: FakeEc2Io, shutdown: AbortSignal): Promise<number> {
  let opts: FakeEc2Options;
  try {
    opts = parseFakeEc2Args(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { server, url } = await startFakeEc2(opts);
  io.stdout.write(`fake-ec2 listening on ${url}\n`);
  if (!shutdown.aborted) await once(shutdown, 'abort');
  await server.close();
  return 0;
}
