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

/** Resident set size in MiB from /proc/<pid>/status (VmRSS is reported in kB), or undefined once the process is gone. */
export async function readRssMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * User+system CPU seconds the process has used, from /proc/<pid>/stat fields 14 and 15. The command name (field 2)
 * may contain spaces, so the fields are counted from its closing parenthesis.
 */
export async function readCpuSeconds(pid: number, clockTicks = 100): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After ")" the fields start at field 3 (state), so utime (14) and stime (15) are at indexes 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}
