import { SQUID_ACCESS_LOG, type Role, type Topology } from '../../e2e/harness/index.js';

/**
 * What the benchmark reads from the containers between measurements (never during one): CPU time per command name
 * and squid's access log, tallied in the gateway with awk so that tens of thousands of lines never cross
 * `docker exec`.
 */

const CPU_BY_COMMAND = String.raw`cat /proc/[0-9]*/stat 2>/dev/null | awk '{ c[$2] += $14 + $15 } END { for (k in c) print c[k] "\t" k }'`;

/**
 * Cumulative CPU seconds (user + system, 10 ms ticks) of the live processes in `role`, summed by command name (the
 * `(comm)` field of /proc/<pid>/stat; none of the processes measured here has a space in it).
 */
export async function cpuByCommand(t: Topology, role: Role, clockTicks = 100): Promise<Record<string, number>> {
  const r = await t.exec(role, ['sh', '-c', CPU_BY_COMMAND]);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const [ticks, comm] = line.split('\t');
    if (comm) out[comm.replace(/^\(|\)$/g, '')] = Number(ticks) / clockTicks;
  }
  return out;
}

/** after - before per command (seconds), commands that used no CPU left out. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [comm, seconds] of Object.entries(after)) {
    const d = seconds - (before[comm] ?? 0);
    if (d > 0) out[comm] = d;
  }
  return out;
}

/** A point in squid's access log: the file (inode) and how many lines it had. */
export interface LogMark {
  inode: string;
  lines: number;
}

export async function accessLogMark(t: Topology, path = SQUID_ACCESS_LOG): Promise<LogMark> {
  const r = await t.exec('gateway', ['sh', '-c', 'stat -c %i "$1" 2>/dev/null && wc -l <"$1"', 'sh', path]);
  const [inode = '', lines = '0'] = r.stdout.trim().split('\n');
  return { inode, lines: Number(lines) || 0 };
}

/** Access log lines after a mark, counted by `<client kind> <action>/<status> <method>`. */
export interface LogTally {
  lines: number;
  /** e.g. { 'client TCP_MEM_HIT/200 GET': 1000, 'local TCP_MISS/200 GET': 3 } (local: squid's own 127.0.0.1). */
  byKey: Record<string, number>;
  /**
   * The operator rotated the log since the mark (past 64 MiB it renames it to access.log.1 and has squid reopen
   * it): the tally then reads the rest of access.log.1 and all of the new access.log.
   */
  rotated: boolean;
}

// $1 log, $2 first line to count, $3 the mark's inode.
const TALLY = String.raw`
if [ "$(stat -c %i "$1" 2>/dev/null)" = "$3" ]; then tail -n +"$2" "$1"
else echo rotated >&2; tail -n +"$2" "$1.1" 2>/dev/null; cat "$1" 2>/dev/null; fi |
awk '{ k = ($3 == "127.0.0.1" ? "local" : "client") " " $4 " " $6; c[k]++ } END { for (k in c) print c[k] "	" k }'`;

export async function accessLogTally(t: Topology, since: LogMark, path = SQUID_ACCESS_LOG): Promise<LogTally> {
  const r = await t.exec('gateway', ['sh', '-c', TALLY, 'sh', path, String(since.lines + 1), since.inode]);
  if (r.exitCode !== 0) throw new Error(`access log tally failed: ${r.stderr}`);
  const byKey: Record<string, number> = {};
  let lines = 0;
  for (const line of r.stdout.split('\n')) {
    const [count, key] = line.split('\t');
    if (!key) continue;
    byKey[key] = Number(count);
    lines += Number(count);
  }
  return { lines, byKey, rotated: r.stderr.includes('rotated') };
}

/** Sum of the tally's entries whose key matches. */
export function tallied(tally: LogTally, pattern: RegExp): number {
  return Object.entries(tally.byKey).reduce((sum, [key, n]) => (pattern.test(key) ? sum + n : sum), 0);
}

/** Up to `max` access log lines after a mark whose outcome is not a plain 200 miss, memory hit or tunnel. */
export async function unusualLines(t: Topology, since: LogMark, max = 50, path = SQUID_ACCESS_LOG): Promise<string[]> {
  const script = String.raw`tail -n +"$2" "$1" | grep -v -E ' (TCP_MISS|TCP_MEM_HIT|TCP_TUNNEL)/200 ' | head -n "$3"`;
  const r = await t.exec('gateway', ['sh', '-c', script, 'sh', path, String(since.lines + 1), String(max)]);
  return r.stdout.split('\n').filter(Boolean);
}
