import { defineDaemon, type DaemonDefinition } from '../../runtime/daemon/definition.js';
import { HAPROXY_CONFIG } from '../../renderers/haproxy/render.js';
import type { HaproxyPaths } from './paths.js';

export const HAPROXY = 'haproxy';

/** HAProxy's own problem lines (`[ALERT]`, `[WARNING]` in 2.6 output), without its process prefixes. */
const PROBLEM = /^\[(ALERT|WARNING)\]/;

/**
 * HAProxy for the daemon kit, in master-worker mode in the foreground (-W -db): `haproxy -c` as the check, SIGUSR2
 * to the master as the reload. On SIGUSR2 the master re-executes itself with the new config and hands the new worker
 * the listening sockets over its socketpair (it adds `-x sockpair@<fd>` itself: HAProxy 2.6 needs no
 * `expose-fd listeners` for that); the old worker finishes its connections. The master keeps its pid, start time and
 * command line, so the kit's identity of it holds across reloads. It starts as root to bind 443 and load the
 * certificates, then drops to its user (`user` in haproxy.cfg) itself.
 */
export function haproxyDaemon(paths: HaproxyPaths, onShutdown: 'stop' | 'keep'): DaemonDefinition {
  return defineDaemon({
    name: HAPROXY,
    configFile: HAPROXY_CONFIG,
    start: [HAPROXY, '-W', '-db', '-f', '{config}', '-S', `${paths.masterSocket},mode,600`],
    check: [HAPROXY, '-c', '-q', '-f', '{config}'],
    reload: { signal: 'SIGUSR2' },
    readiness: { initialDelayMs: 0, periodMs: 100, timeoutMs: 15_000 },
    writableDirs: [paths.runDir],
    onShutdown,
    problems: haproxyProblems,
  });
}

/** The alert and warning lines of HAProxy's output; never more than 10. */
export function haproxyProblems(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => PROBLEM.test(l))
    .map((l) => l.replace(/^\[(ALERT|WARNING)\]\s*\(\d+\)\s*:\s*/, '$1: '))
    .slice(0, 10);
}
