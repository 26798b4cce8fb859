import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { parseCmdline, parseStat } from '../runtime/daemon/identity.js';
import type { ProcessExit, ProcessIdentity, ProcessPort, SpawnedProcess } from '../runtime/daemon/types.js';

/**
 * Real processes. Each daemon gets its own process group and its output goes straight to a file descriptor, not
 * through a pipe to the operator: nothing ties it to the operator, which may exit and leave it serving (whether it
 * does is the supervisor's decision). node's spawn with an argument array, never a shell. `wrap` prefixes every argv
 * (for example `ip netns exec <ns>` when the operator manages another network namespace).
 */
export function createProcessPort(wrap: (argv: readonly string[]) => string[] = (a) => [...a]): ProcessPort {
  return {
    async spawn(argv, opts): Promise<SpawnedProcess> {
      const [file, ...args] = wrap(argv);
      if (!file) throw new Error('empty command');
      const out = await open(opts.outputFile, 'a', 0o640);
      try {
        const child = spawn(file, args, {
          detached: true,
          stdio: ['ignore', out.fd, out.fd],
          ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
          ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
          ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
        });
        // 'exit' is emitted once node has reaped the child (waitpid): after it, the pid is really gone.
        const exited = new Promise<ProcessExit>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('spawn', () => resolve(child.pid!));
          child.once('error', reject);
        });
        // The operator's event loop must not wait for the daemon.
        child.unref();
        return { pid, exited };
      } finally {
        // The child holds its own copy of the descriptor.
        await out.close();
      }
    },
    identify: identifyProcess,
    kill(pid, signal): void {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** pid, start time and command line from /proc; undefined for a pid that is gone or a zombie (it has exited). */
export async function identifyProcess(pid: number): Promise<ProcessIdentity | undefined> {
  try {
    const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
    const argv = parseCmdline(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
    return { pid, startTime: stat.startTime, argv };
  } catch {
    return undefined;
  }
}
