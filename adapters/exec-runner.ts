import { execa } from 'execa';
import type { CommandResult, CommandRunner } from '../runtime/ports.js';

/** execa with argument arrays; the AbortSignal kills the child when the reconcile step is cancelled. */
export function createExecRunner(): CommandRunner {
  return {
    async run(file, args, opts): Promise<CommandResult> {
      const child = execa(file, [...args], {
        reject: false,
        cancelSignal: opts.signal,
        ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
        stripFinalNewline: false,
        timeout: 60_000,
      });
      if (opts.onSpawn && child.pid !== undefined) opts.onSpawn(child.pid);
      const result = await child;
      if (result.isCanceled) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
      if (result.failed && result.exitCode === undefined) throw new Error(`${file}: ${result.message}`);
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}
