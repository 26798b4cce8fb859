// Argument parsing and start-up of the fake ELBv2 server process (main.ts is the entry point).
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseListen } from '../fake-ec2/cli.js';
import { Elbv2Model } from './model.js';
import { FakeElbv2Server } from './server.js';
import { loadState } from './state.js';

export interface FakeElbv2Options {
  host: string;
  port: number;
  statePath?: string;
}

export const USAGE = 'usage: fake-elbv2 [--listen HOST:PORT] [--state FILE.json]';

export function parseFakeElbv2Args(argv: readonly string[]): FakeElbv2Options {
  const { values } = parseArgs({
    args: [...argv],
    options: { listen: { type: 'string', default: '127.0.0.1:4567' }, state: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return { ...parseListen(values.listen), ...(values.state === undefined ? {} : { statePath: values.state }) };
}

export async function startFakeElbv2(opts: FakeElbv2Options): Promise<{ server: FakeElbv2Server; url: string }> {
  const model = new Elbv2Model(opts.statePath === undefined ? undefined : await loadState(opts.statePath));
  const server = new FakeElbv2Server(model);
  return { server, url: await server.listen(opts.host, opts.port) };
}

export interface FakeElbv2Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The whole process: prints the banner, serves until shutdown fires, returns the exit code. */
export async function runFakeElbv2(argv: readonly string[], io: FakeElbv2Io, shutdown: AbortSignal): Promise<number> {
  let opts: FakeElbv2Options;
  try {
    opts = parseFakeElbv2Args(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { server, url } = await startFakeElbv2(opts);
  io.stdout.write(`fake-elbv2 listening on ${url}\n`);
  if (!shutdown.aborted) await once(shutdown, 'abort');
  await server.close();
  return 0;
}
