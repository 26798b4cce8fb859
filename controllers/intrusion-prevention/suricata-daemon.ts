import { defineDaemon, type DaemonDefinition } from '../../runtime/daemon/definition.js';
import type { IpsPaths } from './paths.js';

export const SURICATA = 'suricata';
export const SURICATA_CONFIG = 'suricata.yaml';
/** Suricata's client for its unix command socket (Debian package suricata). */
export const SURICATASC = 'suricatasc';

/** Suricata's own error lines (7.x logs `Error: <module>: <message>` and `E: ...` in older formats). */
const PROBLEM = /(^|\s)(Error|E):\s|<Error>|failed to (load|parse)|is not a valid/i;

/**
 * Suricata for the daemon kit: inline on NFQUEUE in the foreground (the queue numbers are the revision's start
 * arguments), `suricata -T` as the check (it loads every rule; a rule error fails it), and a rule reload through its
 * unix socket, which swaps the detection engine while flows in progress keep their state. It runs as root: binding
 * an NFQUEUE needs CAP_NET_ADMIN.
 */
export function suricataDaemon(paths: IpsPaths, onShutdown: 'stop' | 'keep'): DaemonDefinition {
  return defineDaemon({
    name: SURICATA,
    configFile: SURICATA_CONFIG,
    start: [SURICATA, '-c', '{config}', '--runmode', 'workers'],
    // --simulate-ips: checked as it runs (inline), not in IDS mode.
    check: [SURICATA, '-T', '-c', '{config}', '--simulate-ips'],
    reload: { command: [SURICATASC, '-c', 'reload-rules', paths.socket] },
    reopenLogs: { command: [SURICATASC, '-c', 'reopen-log-files', paths.socket] },
    readiness: { initialDelayMs: 500, periodMs: 500, timeoutMs: 180_000 },
    writableDirs: [paths.logDir, paths.runDir],
    onShutdown,
    problems: suricataProblems,
  });
}

/** The queue arguments of a revision: one `-q` per queue (a worker thread each). */
export function queueArgs(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => ['-q', String(first + i)]).flat();
}

/** Suricata answers on its command socket once its engine runs. */
export function suricataReadiness(paths: IpsPaths): { command: string[] } {
  return { command: [SURICATASC, '-c', 'uptime', paths.socket] };
}

/** The error lines of Suricata's output, without timestamps; never more than 10. */
export function suricataProblems(output: string): string[] {
  return output
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[\d+\]\s*/, '')
        .replace(/^\d+\/\d+\/\d+ -- \d+:\d+:\d+ - /, '')
        .trim(),
    )
    .filter((l) => PROBLEM.test(l))
    .slice(0, 10);
}
