import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../openai/types.js';

/** An error the client gets in OpenAI's shape; `retryAfterSeconds` becomes the `retry-after` header. */
export interface ClientError {
  status: number;
  type: string;
  code: string;
  message: string;
  param?: string;
  retryAfterSeconds?: number;
}

export function errorBody(e: ClientError): ErrorBody {
  return { error: { message: e.message, type: e.type, code: e.code, param: e.param ?? null } };
}

export function sendError(res: ServerResponse, e: ClientError, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const extra: Record<string, string> =
    e.retryAfterSeconds === undefined ? headers : { ...headers, 'retry-after': String(e.retryAfterSeconds) };
  sendJson(res, e.status, errorBody(e), extra);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export const badRequest = (message: string, code = 'invalid_request', param?: string): ClientError => ({
  status: 400,
  type: 'invalid_request_error',
  code,
  message,
  ...(param ? { param } : {}),
});

/** Waits until the client takes more (`drain`); false when it went away first. */
export function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Writes a server-sent event stream with backpressure: a write the socket cannot take yet waits for `drain`, so a
 * slow client slows the upstream read instead of growing the gateway's memory.
 */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  start(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    this.res.flushHeaders();
  }

  /** Resolves once the event is written or buffered under the high-water mark; false when the client is gone. */
  async data(json: string): Promise<boolean> {
    if (this.res.destroyed) return false;
    return this.res.write(`data: ${json}\n\n`) || drained(this.res);
  }

  /** The normal end: OpenAI's `[DONE]` sentinel. */
  done(): void {
    this.res.end('data: [DONE]\n\n');
  }

  /** A failure after the stream started: an error event and no `[DONE]`, so SDKs raise it. */
  fail(e: ClientError): void {
    if (this.res.destroyed) return;
    this.res.end(`data: ${JSON.stringify(errorBody(e))}\n\n`);
  }
}
