import { createConnection } from 'node:net';

/** HAProxy's runtime API (the stats socket at level admin): one command per connection, the answer until it closes. */
export interface RuntimeApi {
  send(command: string, signal: AbortSignal): Promise<string>;
}

/** An answer larger than this is not one HAProxy gives to our commands: the connection is dropped. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A client of the runtime API on a unix socket, each command bounded by `timeoutMs` (a wedged HAProxy costs a pass
 * a few seconds, never the stage deadline) and by the caller's signal.
 */
export function unixSocketRuntimeApi(path: string, timeoutMs = 5_000): RuntimeApi {
  return {
    send: (command, signal) =>
      new Promise<string>((resolve, reject) => {
        const bounded = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
        const chunks: Buffer[] = [];
        let size = 0;
        const socket = createConnection({ path });
        const fail = (err: Error): void => {
          bounded.removeEventListener('abort', onAbort);
          socket.destroy();
          reject(err);
        };
        const onAbort = (): void => fail(new Error(`haproxy runtime API ${path}: no answer within ${timeoutMs} ms`));
        if (bounded.aborted) return onAbort();
        bounded.addEventListener('abort', onAbort, { once: true });
        socket.on('connect', () => socket.end(command));
        socket.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES)
            fail(new Error(`haproxy runtime API ${path}: answer over ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        socket.on('error', (err) => fail(new Error(`haproxy runtime API ${path}: ${err.message}`)));
        socket.on('close', () => {
          bounded.removeEventListener('abort', onAbort);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
      }),
  };
}
