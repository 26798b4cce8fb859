import type { Socket } from 'node:net';
import type { CommandResult, CommandRunner } from '../../runtime/ports.js';

/**
 * The host side of scripts/ipvs-vm/agent.sh. One request line per command:
 *   <id> x<base64 stdin> x<base64 argv0> x<base64 argv1> ...
 * one response line per command:
 *   R <id> <exit code> x<base64 stdout> x<base64 stderr>
 * Every field is base64, so no byte of an argument can reach the agent's shell as syntax.
 */
export interface AgentChannel {
  /** Resolves when the agent has announced itself. */
  ready: Promise<void>;
  runner: CommandRunner;
  /** Rejects every pending and future command (the VM is gone). */
  fail(error: Error): void;
}

const READY_LINE = 'csgw-agent ready';

export function encodeRequest(id: number, file: string, args: readonly string[], input: string | undefined): string {
  const fields = [input ?? '', file, ...args].map((field) => `x${Buffer.from(field, 'utf8').toString('base64')}`);
  return `${id} ${fields.join(' ')}\n`;
}

export function decodeResponse(line: string): { id: number; result: CommandResult } | undefined {
  const match = /^R (\d+) (\d+) x([A-Za-z0-9+/=]*) x([A-Za-z0-9+/=]*)$/.exec(line);
  if (!match) return undefined;
  const [, id = '', code = '', stdout = '', stderr = ''] = match;
  return {
    id: Number(id),
    result: {
      exitCode: Number(code),
      stdout: Buffer.from(stdout, 'base64').toString('utf8'),
      stderr: Buffer.from(stderr, 'base64').toString('utf8'),
    },
  };
}

interface Pending {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
}

export function createAgentChannel(socket: Socket): AgentChannel {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  let buffered = '';
  let announceReady: () => void = () => undefined;
  let refuseReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    announceReady = resolve;
    refuseReady = reject;
  });
  // Nobody may be awaiting readiness when the VM fails early; the failure still reaches whoever asks later.
  ready.catch(() => undefined);

  function onLine(line: string): void {
    if (line === READY_LINE) return announceReady();
    const response = decodeResponse(line);
    if (!response) return;
    // A response to a command whose caller gave up (aborted) has no taker and is dropped.
    const waiter = pending.get(response.id);
    pending.delete(response.id);
    waiter?.resolve(response.result);
  }

  socket.setEncoding('utf8');
  socket.on('error', (error) => fail(error));
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });

  function fail(error: Error): void {
    failure ??= error;
    refuseReady(failure);
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
  }

  const runner: CommandRunner = {
    run(file, args, opts): Promise<CommandResult> {
      if (failure) return Promise.reject(failure);
      if (opts.signal.aborted) return Promise.reject(abortError(opts.signal));
      const id = nextId++;
      return new Promise<CommandResult>((resolve, reject) => {
        // The command keeps running in the VM after an abort (the agent bounds it at 120 s); only the wait ends.
        const onAbort = (): void => {
          pending.delete(id);
          reject(abortError(opts.signal));
        };
        opts.signal.addEventListener('abort', onAbort, { once: true });
        const settle =
          <T>(done: (value: T) => void) =>
          (value: T) => {
            opts.signal.removeEventListener('abort', onAbort);
            done(value);
          };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        socket.write(encodeRequest(id, file, args, opts.input));
      });
    },
  };
  return { ready, runner, fail };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
