import { defineDaemon, type DaemonDefinition } from '../../runtime/daemon/definition.js';
import type { ProxyPaths } from './paths.js';

export const SQUID = 'squid';
export const SQUID_CONFIG = 'squid.conf';

/** Lines squid prints on every parse in a container without IPv6 loopback: not the user's problem. */
const NOISE = /BCP 177|IPv6 has not been enabled|Not currently OK to rewrite swap log|storeDirWriteCleanLogs/;
const PROBLEM = /FATAL|ERROR|unrecognized|Bungled|WARNING/;

/**
 * Squid for the daemon kit: foreground (-N), `-k parse` as the check, `-k reconfigure` as the reload, `-k rotate`
 * to reopen its logs, `-z` before a start (creates the swap directories a new or grown cache_dir needs). It starts
 * as root to bind its port and drops to its user (cache_effective_user) itself.
 */
export function squidDaemon(paths: ProxyPaths, user: string, onShutdown: 'stop' | 'keep'): DaemonDefinition {
  return defineDaemon({
    name: SQUID,
    configFile: SQUID_CONFIG,
    start: [SQUID, '-N', '-f', '{config}'],
    check: [SQUID, '-k', 'parse', '-f', '{config}'],
    prepare: [SQUID, '-z', '-N', '-f', '{config}'],
    reload: { command: [SQUID, '-k', 'reconfigure', '-f', '{config}'] },
    reopenLogs: { command: [SQUID, '-k', 'rotate', '-f', '{config}'] },
    readiness: { initialDelayMs: 0, periodMs: 100, timeoutMs: 15_000 },
    writableDirs: [paths.cacheDir, paths.logDir, paths.runDir],
    user: { name: user, switchesItself: true },
    onShutdown,
    problems: checkErrors,
  });
}

/** The problem lines of `squid -k parse` output, without their timestamps. */
export function checkErrors(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\|\s*/, '').trim())
    .filter((l) => PROBLEM.test(l) && !NOISE.test(l))
    .slice(0, 10);
}

/**
 * The cache manager's info page, asked as a local client: proves squid listens on its port and answers HTTP
 * (squid.conf lets only localhost reach the manager, before any authentication; these requests are not logged).
 * From 127.0.0.1 even to another local address.
 */
export function squidReadiness(target: string): { http: { url: string; fromAddress: string } } {
  return { http: { url: `http://${target}/squid-internal-mgr/info`, fromAddress: '127.0.0.1' } };
}
