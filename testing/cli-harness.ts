// Test support for the CLI's in-process command tests (not used by the CLI itself).
import type { Env } from '../runtime/config.js';
import type { CliIo } from '../cli/context.js';
import { runCli } from '../cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Env;
  /** Stands in for SIGINT/SIGTERM. */
  shutdown?: AbortSignal;
  /** Sees stdout as it is written, e.g. to wait for a long-running command's banner. */
  onStdout?: (text: string) => void;
}

/** Runs `csgw argv...` in-process and captures its output and exit code. */
export async function runCsgw(argv: readonly string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const captured = { stdout: '', stderr: '' };
  const io: CliIo = {
    env: opts.env ?? {},
    stdout: {
      write: (s: string): void => {
        captured.stdout += s;
        opts.onStdout?.(captured.stdout);
      },
    },
    stderr: { write: (s: string): void => void (captured.stderr += s) },
    shutdownSignal: () => opts.shutdown ?? new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, ...captured };
}
