/**
 * CPU time per thread of every process in a container, and the machine's CPU split by kind (user, system, softirq),
 * for telling where a forwarding benchmark's time went: a userspace thread (Suricata's NFQUEUE workers) or the
 * kernel's packet path (softirq).
 */

/** Cumulative CPU of one thread, in clock ticks. */
export interface ThreadTicks {
  pid: number;
  tid: number;
  /** The process's name (its main thread's comm) and the thread's own name, e.g. Suricata-Main / W#01-NFQ. */
  process: string;
  thread: string;
  utime: number;
  stime: number;
}

/**
 * Parses `grep -H '' /proc/[0-9]*\/task/*\/stat` output: `/proc/<pid>/task/<tid>/stat:<tid> (<comm>) S …`. The comm
 * may hold spaces and parentheses, so the fields are counted from its last closing parenthesis. A thread that
 * vanished mid-read (a short line) is skipped.
 */
export function parseThreadStats(text: string): ThreadTicks[] {
  const rows: Omit<ThreadTicks, 'process'>[] = [];
  for (const line of text.split('\n')) {
    const m = /^\/proc\/(\d+)\/task\/(\d+)\/stat:\d+ \((.*)\) (.*)$/.exec(line);
    if (!m) continue;
    // After ")" the fields start at field 3 (state): utime (14) and stime (15) are at index 11 and 12.
    const fields = m[4]!.split(' ');
    const [utime, stime] = [Number(fields[11]), Number(fields[12])];
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) continue;
    rows.push({ pid: Number(m[1]), tid: Number(m[2]), thread: m[3]!, utime, stime });
  }
  const names = new Map(rows.filter((r) => r.pid === r.tid).map((r) => [r.pid, r.thread]));
  return rows.map((r) => ({ ...r, process: names.get(r.pid) ?? String(r.pid) }));
}

/** CPU a thread used between two readings, in cores (CPU seconds per second of wall time). */
export interface ThreadCpu {
  process: string;
  thread: string;
  cores: number;
  userCores: number;
  systemCores: number;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Per-thread CPU between two readings over `seconds` of wall time, busiest first; threads that used less than
 * `minCores` are left out. A thread only in `after` (started in between) counts from zero.
 */
export function threadCpu(
  before: readonly ThreadTicks[],
  after: readonly ThreadTicks[],
  seconds: number,
  opts: { clockTicks?: number; minCores?: number } = {},
): ThreadCpu[] {
  const hz = opts.clockTicks ?? 100;
  const old = new Map(before.map((t) => [`${t.pid}/${t.tid}`, t]));
  const out: ThreadCpu[] = [];
  for (const t of after) {
    const b = old.get(`${t.pid}/${t.tid}`);
    const user = (t.utime - (b?.utime ?? 0)) / hz / seconds;
    const system = (t.stime - (b?.stime ?? 0)) / hz / seconds;
    if (user + system < (opts.minCores ?? 0.005)) continue;
    const cores = round3(user + system);
    out.push({ process: t.process, thread: t.thread, cores, userCores: round3(user), systemCores: round3(system) });
  }
  return out.sort((a, b) => b.cores - a.cores);
}

/** Jiffies of all CPUs together by kind, from the first line of /proc/stat. */
export interface MachineTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

const KINDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

export function parseProcStat(text: string): MachineTicks {
  const fields = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(KINDS.map((k, i) => [k, fields[i] ?? 0])) as unknown as MachineTicks;
}

/** The machine's CPU by kind between two readings, in cores (all CPUs together: 2.0 is a fully busy 2-core box). */
export function machineCores(
  before: MachineTicks,
  after: MachineTicks,
  seconds: number,
  clockTicks = 100,
): Record<keyof MachineTicks | 'busy', number> {
  const d = (k: keyof MachineTicks): number => round3((after[k] - before[k]) / clockTicks / seconds);
  const out = Object.fromEntries(KINDS.map((k) => [k, d(k)])) as Record<keyof MachineTicks, number>;
  return { ...out, busy: round3(KINDS.reduce((sum, k) => (k === 'idle' || k === 'iowait' ? sum : sum + out[k]), 0)) };
}
