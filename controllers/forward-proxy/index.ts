import { rename, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import { secretKind } from '../../crds-equivalent/secret.js';
import type { Controller, ProbeResult } from '../../runtime/controller.js';
import { RevisionStore, type FileOwner } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { AccessLogReader } from './access-log.js';
import { decodeForwardProxy } from './decode.js';
import { proxyConditions, proxyDetails } from './details.js';
import { proxyPaths, type ProxyPaths } from './paths.js';
import { describeAction, planForwardProxy } from './plan.js';
import { validateForwardProxySpec, type ForwardProxySpec } from './spec.js';
import { SQUID, squidDaemon } from './squid-daemon.js';
import type { ForwardProxyAction, ForwardProxyDesired, ForwardProxyObserved } from './types.js';

export interface ForwardProxyOptions {
  /** Runs squid's own commands (parse, reconfigure, rotate) and the health probe, in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** Parent of the proxy's config, cache, logs and pid (default /var/lib/csgw). */
  daemonDir: string;
  /** The account squid drops to; its files are owned by it. */
  user: { name: string; owner?: FileOwner };
  vpcCidrs: readonly string[];
  /** Stop squid when the operator stops, or keep it serving for the next operator to adopt. */
  onShutdown: 'stop' | 'keep';
  crashPolicy?: CrashPolicy;
}

export function createForwardProxyController(
  opts: ForwardProxyOptions,
): Controller<ForwardProxySpec, ForwardProxyDesired, ForwardProxyObserved, ForwardProxyAction> {
  const paths = proxyPaths(opts.daemonDir);
  const store = new RevisionStore(paths.configRoot, opts.user.owner);
  const definition = squidDaemon(paths, opts.user.name, opts.onShutdown);
  const supervisor = new DaemonSupervisor(definition, store, opts.processes, opts.runner, {
    stateDir: paths.runDir,
    ...(opts.user.owner ? { owner: opts.user.owner } : {}),
    ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}),
  });
  const accessLog = new AccessLogReader(paths.accessLog);
  // Set by probe: why squid cannot run here. Only a proxy that is enabled makes that a problem.
  let unavailable: ForwardProxyObserved['unavailable'];
  const facts = {
    paths,
    user: opts.user.name,
    revisionDir: (hash: string) => store.dirFor(hash),
    vpcCidrs: opts.vpcCidrs,
  };
  return {
    kind: forwardProxyKind,
    watches: [domainFilterKind, secretKind],
    changes$: supervisor.changes$,
    validateSpec: validateForwardProxySpec,
    decode: (snapshot) => decodeForwardProxy(snapshot, facts),
    async probe(signal): Promise<ProbeResult> {
      const found = await findSquid(opts, signal);
      unavailable = 'reason' in found ? found : undefined;
      if (!unavailable) await supervisor.adopt();
      const proxy = 'version' in found ? `squid ${found.version}` : found.message;
      return { ok: true, reason: 'Probed', message: proxy, details: { proxy } };
    },
    async observe(signal): Promise<ForwardProxyObserved> {
      const daemon = await supervisor.observe(signal);
      const log = await accessLog.read();
      return { daemon, counters: log.counters, accessLogBytes: log.bytes, ...(unavailable ? { unavailable } : {}) };
    },
    plan: planForwardProxy,
    async apply(actions, signal): Promise<void> {
      for (const action of actions) await applyAction(action, { supervisor, accessLog, paths }, signal);
    },
    describe: describeAction,
    details: proxyDetails,
    warnings: () => [],
    conditions: proxyConditions,
    shutdown: () => supervisor.shutdown(),
  };
}

interface ApplyContext {
  supervisor: DaemonSupervisor;
  accessLog: AccessLogReader;
  paths: ProxyPaths;
}

async function applyAction(action: ForwardProxyAction, ctx: ApplyContext, signal: AbortSignal): Promise<void> {
  if (action.type === 'rotateLogs') return rotateAccessLog(ctx, signal);
  return ctx.supervisor.apply(action, signal);
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
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(50);
  }
}

/** squid's version, or why it cannot run here (not installed, or its account missing). */
async function findSquid(
  opts: ForwardProxyOptions,
  signal: AbortSignal,
): Promise<{ version: string } | { reason: string; message: string }> {
  const version = await opts.runner.run(SQUID, ['-v'], { signal }).catch(() => undefined);
  if (!version || version.exitCode !== 0)
    return { reason: 'DaemonNotInstalled', message: 'squid is not installed on this host (Debian package squid)' };
  if (!opts.user.owner) return { reason: 'DaemonUserMissing', message: `user ${opts.user.name} does not exist` };
  return { version: /Version (\S+)/.exec(version.stdout)?.[1] ?? 'unknown' };
}
