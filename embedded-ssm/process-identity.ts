// Tells whether the process that wrote a lock is still running. A pid alone can be reused
// (containers often run as pid 1 every time), so on Linux the lock also records the
// process start time and boot id, which a reused pid won't match.
import { readFile } from 'node:fs/promises';

export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat start time in clock ticks since boot (Linux only). */
  startTime?: string;
  bootId?: string;
}

async function readProc(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat from field 3 (state) on; the command name may contain spaces. */
async function statFields(pid: number): Promise<string[] | undefined> {
  const stat = await readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

async function startTimeOf(pid: number): Promise<string | undefined> {
  return (await statFields(pid))?.[19]; // field 22
}

export async function currentIdentity(): Promise<ProcessIdentity> {
  const startTime = await startTimeOf(process.pid);
  const bootId = await readProc('/proc/sys/kernel/random/boot_id');
  return { pid: process.pid, ...(startTime ? { startTime } : {}), ...(bootId ? { bootId } : {}) };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function sameBoot(recorded: string | undefined): Promise<boolean> {
  if (recorded === undefined) return true;
  const bootId = await readProc('/proc/sys/kernel/random/boot_id');
  return bootId === undefined || bootId === recorded;
}

/** True when the recorded process still runs (same pid, and same start time and boot where known). */
export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  if (!Number.isInteger(identity.pid) || identity.pid <= 0 || !pidExists(identity.pid)) return false;
  if (!(await sameBoot(identity.bootId))) return false;
  const fields = await statFields(identity.pid);
  // A killed but not yet reaped child lingers as a zombie: it no longer serves anything.
  if (fields?.[0] === 'Z') return false;
  const startTime = fields?.[19];
  return identity.startTime === undefined || startTime === undefined || startTime === identity.startTime;
}
