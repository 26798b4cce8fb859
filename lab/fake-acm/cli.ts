// Argument parsing and start-up of the fake ACM server process (main.ts is the entry point).
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseListen } from '../fake-ec2/cli.js';
import { AcmModel } from './model.js';
import { FakeAcmServer } from './server.js';
import { createTestCa } from './test-ca.js';

export interface FakeAcmOptions {
  host: string;
  port: number;
  /** The region and account of the ARNs it issues. */
  region: string;
  accountId: string;
  validityDays: number;
}

export const USAGE =
  'usage: fake-acm [--listen HOST:PORT] [--region REGION] [--account ACCOUNT_ID] [--validity-days DAYS]';

export function parseFakeAcmArgs(argv: readonly string[]): FakeAcmOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string', default: '127.0.0.1:8901' },
      region: { type: 'string', default: 'us-east-1' },
      account: { type: 'string', default: '123456789012' },
      'validity-days': { type: 'string', default: '395' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) throw new Error(`--region: not a region: ${values.region}`);
  if (!/^\d{12}$/.test(values.account)) throw new Error(`--account: expected 12 digits, got ${values.account}`);
  const validityDays = Number(values['validity-days']);
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 3650) {
    throw new Error(`--validity-days: expected 1 to 3650, got ${values['validity-days']}`);
  }
  return { ...parseListen(values.listen), region: values.region, accountId: values.account, validityDays };
}

/** Makes the test CA, listens, and returns the running server with the URL clients use. */
export async function startFakeAcm(opts: FakeAcmOptions): Promise<{ server: FakeAcmServer; url: string }> {
  const model = new AcmModel(createTestCa(), {
    region: opts.region,
    accountId: opts.accountId,
    validityDays: opts.validityDays,
    clock: () => new Date(),
  });
  const server = new FakeAcmServer(model);
  return { server, url: await server.listen(opts.host, opts.port) };
}

export interface FakeAcmIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The whole process: prints the banner, serves until shutdown fires, returns the exit code. */
export async function runFakeAcm(argv: readonly string[], io: FakeAcmIo, shutdown: AbortSignal): Promise<number> {
  let opts: FakeAcmOptions;
  try {
    opts = parseFakeAcmArgs(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { server, url } = await startFakeAcm(opts);
  io.stdout.write(`fake-acm listening on ${url}\n`);
  if (!shutdown.aborted) await once(shutdown, 'abort');
  await server.close();
  return 0;
}
