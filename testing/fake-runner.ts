// A CommandRunner that answers from a test-provided function and records every call (file, args, input).
import type { CommandResult, CommandRunner } from '../runtime/ports.js';

export interface RecordedCommand {
  file: string;
  args: string[];
  input?: string;
  signal: AbortSignal;
}

export type CommandHandler = (cmd: RecordedCommand) => Partial<CommandResult> | Promise<Partial<CommandResult>>;

export class FakeRunner implements CommandRunner {
  readonly calls: RecordedCommand[] = [];

  constructor(private readonly handler: CommandHandler = () => ({})) {}

  async run(
    file: string,
    args: readonly string[],
    opts: { input?: string; signal: AbortSignal },
  ): Promise<CommandResult> {
    const cmd: RecordedCommand = {
      file,
      args: [...args],
      signal: opts.signal,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    };
    this.calls.push(cmd);
    const result = await this.handler(cmd);
    return { exitCode: result.exitCode ?? 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }
}
