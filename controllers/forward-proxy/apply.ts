import { rename, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { AccessLogReader } from './access-log.js';
import type { ProxyPaths } from './paths.js';
import type { ForwardProxyAction } from './types.js';

export interface ApplyContext {
  supervisor: DaemonSupervisor;
  accessLog: AccessLogReader;
  paths: ProxyPaths;
}

/** Process actions go to the daemon kit; log rotation is squid's own. */
export async function applyForwardProxy(
  actions: readonly ForwardProxyAction[],
  ctx: ApplyContext,
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions)
    if (action.type === 'rotateLogs') await rotateAccessLog(ctx, signal);
    else await ctx.supervisor.apply(action, signal);
}

/**
 * Moves the logs aside (one old generation kept), has squid reopen them (logfile_rotate 0: squid renames nothing
 * itself), then counts what squid wrote to the old access log until it reopened: no line goes uncounted.
 */
async function rotateAccessLog(ctx: ApplyContext, signal: AbortSignal): Promise<void> {
  const rotated = `${ctx.paths.accessLog}.1`;
  await rename(ctx.paths.accessLog, rotated);
  await rename(ctx.paths.cacheLog, `${ctx.paths.cacheLog}.1`).catch(() => undefined);
  await ctx.supervisor.reopenLogs(signal);
  await waitUntilExists(ctx.paths.accessLog, REOPEN_WAIT_MS, signal);
  await ctx.accessLog.finishRotated(rotated);
}

const REOPEN_WAIT_MS = 5_000;

/** squid handles the rotate signal asynchronously: the new log appears once it has reopened. */
async function waitUntilExists(path: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) return;
    await sleep(50);
  }
}
