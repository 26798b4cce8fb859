import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port free right now (the tiny race with other processes is acceptable for a benchmark). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Resident set size in MiB from /proc/<pid>/status (reported in kB), or undefined once the process is gone: VmRSS
 * now, or VmHWM, the peak since the process started.
 */
export async function readRssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds from /proc/<pid>/stat: `self` is user+system time of the process (fields 14, 15), `children` that of
 * its children it has waited for (fields 16, 17), e.g. every `ip`/`nft`/`sysctl` the operator ran. The command name
 * (field 2) may contain spaces, so the fields are counted from its closing parenthesis.
 */
export async function readCpuSeconds(
  pid: number,
  clockTicks = 100,
): Promise<{ self: number; children: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // After ")" the fields start at field 3 (state), so field N is at index N - 3.
    const at = (field: number): number => fields[field - 3] ?? Number.NaN;
    return { self: (at(14) + at(15)) / clockTicks, children: (at(16) + at(17)) / clockTicks };
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
export async function readMachineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle (4th) and iowait (5th) are the not-busy fields.
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/**
 * Percent of the whole machine's CPU (all cores) that was busy between two readings. It includes the benchmark and
 * the operator themselves; run to run it shows whether something else was competing for the 2 vCPUs.
 */
export function busyPercent(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  const total = b.total - a.total;
  return total > 0 ? Math.round(((b.busy - a.busy) / total) * 1000) / 10 : Number.NaN;
}
