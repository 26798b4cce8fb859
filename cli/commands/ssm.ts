import type { Command } from 'commander';
import {
  discoverEmbeddedSsm,
  EmbeddedSsmLockedError,
  startEmbeddedSsm,
  type EmbeddedSsmHandle,
} from '../../embedded-ssm/index.js';
import { resolveSsmTarget, type GlobalOptions } from '../../runtime/config.js';
import { parseListen } from '../../composition/ssm-connection.js';
import { CliError, errorMessage, waitForAbort, type CliContext } from '../context.js';

const SERVE_HELP = `
Serves the SSM Parameter Store API from --data-dir (the same store csgw uses when no AWS is configured), so the
AWS CLI, SDKs and csgw itself can share it. Runs until SIGINT/SIGTERM.

Example:
  csgw ssm serve --listen 127.0.0.1:4583 --data-dir ./state
  aws ssm get-parameters-by-path --path /cloudspectra --recursive --endpoint-url http://127.0.0.1:4583`;

export function registerSsm(program: Command, ctx: CliContext): void {
  const ssm = program.command('ssm').description('the embedded SSM Parameter Store endpoint');
  ssm
    .command('serve')
    .description('run the embedded SSM endpoint in the foreground')
    .option('--listen <host:port>', 'address to listen on (default: chosen by the endpoint, loopback only)')
    .addHelpText('after', SERVE_HELP)
    .action(async (opts: { listen?: string }) => serve(ctx, opts.listen));
}

async function serve(ctx: CliContext, listen: string | undefined): Promise<void> {
  const dataDir = embeddedDataDir(ctx.globals());
  const address = listen === undefined ? {} : parseListenOrFail(listen);
  const shutdown = ctx.shutdownSignal();
  const handle = await startOrExplain(dataDir, address);
  try {
    ctx.stdout.write(`Embedded SSM endpoint serving ${dataDir}\n`);
    ctx.stdout.write(`Listening on ${handle.url}\n`);
    ctx.stdout.write(`Try: aws ssm get-parameters-by-path --path / --recursive --endpoint-url ${handle.url}\n`);
    ctx.stdout.write('Press Ctrl-C to stop.\n');
    await waitForAbort(shutdown);
  } finally {
    await handle.close();
  }
  ctx.stdout.write('Stopped.\n');
}

/** Starts serving; when another process already serves the directory, says where instead of a lock error. */
async function startOrExplain(dataDir: string, address: { host?: string; port?: number }): Promise<EmbeddedSsmHandle> {
  try {
    return await startEmbeddedSsm({ dataDir, ...address });
  } catch (err) {
    if (!(err instanceof EmbeddedSsmLockedError)) throw err;
    const url = await discoverEmbeddedSsm(dataDir);
    throw new CliError(`process ${err.pid} already serves ${dataDir}${url ? ` at ${url}` : ''}`);
  }
}

/** The directory the embedded endpoint keeps its state in, derived exactly as resolveSsmTarget derives it. */
function embeddedDataDir(globals: GlobalOptions): string {
  const target = resolveSsmTarget({ ...globals, endpointUrl: undefined, region: undefined }, {});
  if (target.mode !== 'embedded') throw new Error('unreachable: no endpoint and no region must mean embedded');
  return target.dataDir;
}

function parseListenOrFail(listen: string): { host: string; port: number } {
  try {
    return parseListen(listen);
  } catch (err) {
    throw new CliError(errorMessage(err));
  }
}
