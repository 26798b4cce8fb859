import { execa } from 'execa';
import type { CommandResult, CommandRunner } from '../runtime/ports.js';

export interface ExecRunnerOptions {
  /** Told of every process started, by program (the one inside `ip netns exec`): spawns are what a change costs. */
  onSpawn?: (program: string) => void;
}

/** execa with argument arrays; the AbortSignal kills the child when the reconcile step is cancelled. */
export function createExecRunner(opts: ExecRunnerOptions = {}): CommandRunner {
  return {
    async run(file, args, runOpts): Promise<CommandResult> {
      opts.onSpawn?.(programOf(file, args));
      const child = execa(file, [...args], {
        reject: false,
        cancelSignal: runOpts.signal,
        ...(runOpts.input !== undefined ? { input: runOpts.input } : { stdin: 'ignore' }),
        stripFinalNewline: false,
        timeout: 60_000,
      });
      if (runOpts.onPid && child.pid !== undefined) runOpts.onPid(child.pid);
      const result = await child;
      if (result.isCanceled)
        throw runOpts.signal.reason instanceof Error ? runOpts.signal.reason : new Error('aborted');
      if (result.failed && result.exitCode === undefined) throw new Error(`${file}: ${result.message}`);
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}

function programOf(file: string, args: readonly string[]): string {
  return file === 'ip' && args[0] === 'netns' && args[1] === 'exec' && args[3] ? args[3] : file;
}
