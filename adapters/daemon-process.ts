import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ProcessExit, ProcessPort, SpawnedProcess } from '../runtime/daemon/types.js';

/**
 * Real processes. Each daemon gets its own process group and its output goes straight to a file descriptor, not
 * through a pipe to the operator: nothing ties it to the operator, which may exit and leave it serving (whether it
 * does is the supervisor's decision). node's spawn with an argument array, never a shell. `wrap` prefixes every argv
 * (for example `ip netns exec <ns>` when the operator manages another network namespace).
 */
export function createProcessPort(wrap: (argv: readonly string[]) => string[] = (a) => [...a]): ProcessPort {
  return {
    async spawn(argv, outputFile): Promise<SpawnedProcess> {
      const [file, ...args] = wrap(argv);
      if (!file) throw new Error('empty command');
      const out = await open(outputFile, 'a', 0o640);
      try {
        const child = spawn(file, args, { detached: true, stdio: ['ignore', out.fd, out.fd] });
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('spawn', () => resolve(child.pid!));
          child.once('error', reject);
        });
        const exited = new Promise<ProcessExit>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        // The operator's event loop must not wait for the daemon.
        child.unref();
        return { pid, exited };
      } finally {
        // The child holds its own copy of the descriptor.
        await out.close();
      }
    },
    async isRunning(pid, program): Promise<boolean> {
      try {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        // A zombie has exited; only its parent has not collected it yet.
        if (/\) Z /.test(stat)) return false;
        const argv0 = cmdline.split('\0')[0] ?? '';
        return basename(argv0) === program;
      } catch {
        return false;
      }
    },
    kill(pid, signal): void {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}
