import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { execa } from 'execa';
import type { ProcessExit, ProcessPort, SpawnedProcess } from '../runtime/daemon/types.js';

/**
 * Real processes. Each daemon gets its own process group and is not killed when the operator exits: whether it
 * keeps running across an operator restart is the supervisor's decision. `wrap` prefixes every argv (for example
 * `ip netns exec <ns>` when the operator manages another network namespace).
 */
export function createProcessPort(wrap: (argv: readonly string[]) => string[] = (a) => [...a]): ProcessPort {
  return {
    async spawn(argv, outputFile): Promise<SpawnedProcess> {
      const [file, ...args] = wrap(argv);
      if (!file) throw new Error('empty command');
      const output = { file: outputFile, append: true } as const;
      const child = execa(file, args, {
        detached: true,
        cleanup: false,
        reject: false,
        stdin: 'ignore',
        stdout: output,
        stderr: output,
      });
      if (child.pid === undefined) {
        const result = await child;
        throw new Error(`${file} did not start: ${result.message ?? String(result.exitCode)}`);
      }
      child.unref();
      const exited = child.then(
        (r): ProcessExit => ({ code: r.exitCode ?? null, signal: r.signal ?? null }),
        (): ProcessExit => ({ code: null, signal: null }),
      );
      return { pid: child.pid, exited };
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
