import { describe, expect, it } from '@jest/globals';
import { machineCores, parseProcStat, parseThreadStats, threadCpu } from './thread-cpu.js';

/** A /proc/<pid>/task/<tid>/stat line with utime and stime (fields 14, 15) set; the rest are zeros. */
function stat(tid: number, comm: string, utime: number, stime: number): string {
  const rest = ['S', ...Array<string>(10).fill('0'), String(utime), String(stime), ...Array<string>(30).fill('0')];
  return `${tid} (${comm}) ${rest.join(' ')}`;
}

const grep = (pid: number, tid: number, comm: string, u: number, s: number): string =>
  `/proc/${pid}/task/${tid}/stat:${stat(tid, comm, u, s)}`;

describe('parseThreadStats', () => {
  it('reads utime and stime per thread and names each by its process (the main thread)', () => {
    const text = [
      grep(40, 40, 'Suricata-Main', 5, 1),
      grep(40, 41, 'W-NFQ#0', 100, 900),
      grep(7, 7, 'node', 30, 10),
      grep(7, 9, 'V8 Worker (x)', 2, 1),
    ].join('\n');
    expect(parseThreadStats(text)).toEqual([
      { pid: 40, tid: 40, thread: 'Suricata-Main', process: 'Suricata-Main', utime: 5, stime: 1 },
      { pid: 40, tid: 41, thread: 'W-NFQ#0', process: 'Suricata-Main', utime: 100, stime: 900 },
      { pid: 7, tid: 7, thread: 'node', process: 'node', utime: 30, stime: 10 },
      { pid: 7, tid: 9, thread: 'V8 Worker (x)', process: 'node', utime: 2, stime: 1 },
    ]);
  });

  it('skips lines of threads that vanished mid-read and grep noise', () => {
    const text = ['/proc/5/task/5/stat:5 (sh) S 1 2', 'grep: /proc/6/task/6/stat: No such file', ''].join('\n');
    expect(parseThreadStats(text)).toEqual([]);
  });
});

describe('threadCpu', () => {
  const row = (tid: number, thread: string, utime: number, stime: number) => ({
    pid: 1,
    tid,
    process: 'p',
    thread,
    utime,
    stime,
  });

  it('turns tick deltas over wall time into cores, busiest first, idle threads left out', () => {
    const before = [row(1, 'idle', 10, 10), row(2, 'worker', 100, 100)];
    const after = [row(1, 'idle', 10, 10), row(2, 'worker', 150, 1050), row(3, 'new', 20, 0)];
    expect(threadCpu(before, after, 10)).toEqual([
      { process: 'p', thread: 'worker', cores: 1, userCores: 0.05, systemCores: 0.95 },
      { process: 'p', thread: 'new', cores: 0.02, userCores: 0.02, systemCores: 0 },
    ]);
  });
});

describe('machine CPU', () => {
  it('splits the busy time by kind, idle and iowait not busy', () => {
    const a = parseProcStat('cpu  100 0 200 1000 10 0 50 0 0 0\ncpu0 1 2 3');
    const b = parseProcStat('cpu  200 0 300 1100 10 0 250 0 0 0\n');
    expect(machineCores(a, b, 2)).toMatchObject({ user: 0.5, system: 0.5, softirq: 1, idle: 0.5, busy: 2 });
  });
});
