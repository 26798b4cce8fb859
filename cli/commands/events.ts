import type { Command } from 'commander';
import { SSE_EVENT_STATUS, SSE_EVENT_SYNCED, type StatusEvent } from '../../runtime/status-types.js';
import { outputOption } from '../command-helpers.js';
import { CliError, errorField, errorMessage, type CliContext } from '../context.js';
import { sseFrames } from '../sse.js';
import { EventPrinter } from '../event-printer.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9464';
const FORMATS = ['table', 'json'] as const;

interface EventsOptions {
  watch?: boolean;
  adminUrl: string;
  output: (typeof FORMATS)[number];
}

const HELP = `
Events come from one operator instance's admin API (GET <admin-url>/events, Server-Sent Events): the recent
ones first, then, with -w, new ones as they happen. For the whole fleet's state see csgw status.`;

export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('show recent events of an operator instance; -w to follow')
    .option('-w, --watch', 'keep following new events until interrupted')
    .option(
      '--admin-url <url>',
      'admin API of the operator instance; env CSGW_ADMIN_URL',
      ctx.env.CSGW_ADMIN_URL ?? DEFAULT_ADMIN_URL,
    )
    .addOption(outputOption(FORMATS))
    .addHelpText('after', HELP)
    .action(async (opts: EventsOptions) => streamEvents(ctx, opts));
}

async function streamEvents(ctx: CliContext, opts: EventsOptions): Promise<void> {
  const url = `${opts.adminUrl.replace(/\/+$/, '')}/events`;
  const abort = new AbortController();
  // Only a follower waits for Ctrl-C; a one-shot listing lets the default SIGINT behaviour stand.
  const shutdown = opts.watch ? ctx.shutdownSignal() : undefined;
  shutdown?.addEventListener('abort', () => abort.abort(), { once: true });
  if (shutdown?.aborted) return;
  try {
    const body = await connect(url, abort.signal);
    const outcome = await consume(ctx, body, opts);
    if (outcome === 'ended') throw new CliError(`${url}: the operator closed the event stream`);
  } catch (err) {
    if (abort.signal.aborted) return;
    throw err;
  } finally {
    abort.abort();
  }
}

async function connect(url: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new CliError(`cannot reach the operator admin API at ${url}: ${describeFetchError(err)}`);
  }
  if (!response.ok || !response.body) {
    throw new CliError(`${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  return response.body;
}

/** Prints frames until `synced` (one-shot) or the stream ends / is aborted (watch). */
async function consume(
  ctx: CliContext,
  body: ReadableStream<Uint8Array>,
  opts: EventsOptions,
): Promise<'synced' | 'ended'> {
  const printer = new EventPrinter(ctx.stdout, opts.output, () => new Date());
  for await (const frame of sseFrames(body)) {
    if (frame.event === SSE_EVENT_STATUS) {
      const event = parseEvent(frame.data);
      if (event) printer.event(event);
      else ctx.stderr.write(`warning: ignoring a malformed status event: ${frame.data.slice(0, 200)}\n`);
    } else if (frame.event === SSE_EVENT_SYNCED) {
      printer.synced(ctx.stderr, opts.watch === true);
      if (!opts.watch) return 'synced';
    }
  }
  return 'ended';
}

function parseEvent(data: string): StatusEvent | undefined {
  try {
    const e = JSON.parse(data) as Partial<StatusEvent> | null;
    const valid =
      e !== null &&
      typeof e === 'object' &&
      typeof e.reason === 'string' &&
      typeof e.object === 'object' &&
      e.object !== null;
    return valid ? (e as StatusEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** fetch hides the socket error in `cause`; that is the part that tells the user what happened. */
function describeFetchError(err: unknown): string {
  const cause = errorField(err, 'cause');
  if (errorField(cause, 'code') === 'ECONNREFUSED')
    return 'connection refused (is the operator running, and is this its --admin-url?)';
  return cause === undefined ? errorMessage(err) : errorMessage(cause);
}
