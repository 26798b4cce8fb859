import type { ProbeResult } from '../../runtime/controller.js';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CommandRunner } from '../../runtime/ports.js';
import type { AccessLogReader } from './access-log.js';
import { SQUID } from './squid-daemon.js';
import type { ForwardProxyObserved } from './types.js';

type Unavailable = ForwardProxyObserved['unavailable'];

/**
 * Finds squid and adopts a squid a previous operator kept running. Never fails: a host without squid is only a
 * problem when a proxy is wanted, so the reason travels in `unavailable` to the planner.
 */
export async function probeForwardProxy(
  runner: CommandRunner,
  user: { name: string; owner?: unknown },
  supervisor: DaemonSupervisor,
  signal: AbortSignal,
): Promise<{ result: ProbeResult; unavailable: Unavailable }> {
  const found = await findSquid(runner, user, signal);
  const unavailable = 'reason' in found ? found : undefined;
  if (!unavailable) await supervisor.adopt();
  const proxy = 'version' in found ? `squid ${found.version}` : found.message;
  return { result: { ok: true, reason: 'Probed', message: proxy, details: { proxy } }, unavailable };
}

export async function observeForwardProxy(
  supervisor: DaemonSupervisor,
  accessLog: AccessLogReader,
  unavailable: Unavailable,
  signal: AbortSignal,
): Promise<ForwardProxyObserved> {
  const daemon = await supervisor.observe(signal);
  const log = await accessLog.read();
  return { daemon, counters: log.counters, accessLogBytes: log.bytes, ...(unavailable ? { unavailable } : {}) };
}

/** squid's version, or why it cannot run here (not installed, or its account missing). */
async function findSquid(
  runner: CommandRunner,
  user: { name: string; owner?: unknown },
  signal: AbortSignal,
): Promise<{ version: string } | { reason: string; message: string }> {
  const version = await runner.run(SQUID, ['-v'], { signal }).catch(() => undefined);
  if (!version || version.exitCode !== 0)
    return { reason: 'DaemonNotInstalled', message: 'squid is not installed on this host (Debian package squid)' };
  if (!user.owner) return { reason: 'DaemonUserMissing', message: `user ${user.name} does not exist` };
  return { version: /Version (\S+)/.exec(version.stdout)?.[1] ?? 'unknown' };
}
