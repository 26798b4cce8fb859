import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { UpstreamFailure } from './provider.js';

export interface UpstreamHttpOptions {
  /** e.g. `https://api.openai.com/v1`; request paths are appended to it. */
  baseUrl: string;
  maxSockets: number;
  connectTimeoutMs: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Below the base URL: `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives: reading it slowly slows the upstream (backpressure). */
  body: IncomingMessage;
}

/** A connection-level failure (refused, reset, connect timeout): nothing was answered. */
export class UpstreamConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UpstreamConnectError';
  }
}

/**
 * One upstream's HTTP client: a keep-alive pool (so a call costs no TCP or TLS handshake), a connect deadline, and
 * the caller's abort signal, which destroys the socket (an aborted call stops being billed upstream).
 */
export class UpstreamHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(private readonly opts: UpstreamHttpOptions) {
    this.base = new URL(opts.baseUrl.replace(/\/+$/, ''));
    const secure = this.base.protocol === 'https:';
    this.client = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Resolves once the response's status and headers arrived. */
  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal.aborted) return reject(abortError(req.signal));
      const outgoing = this.client.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || undefined,
          method: req.method,
          path: this.base.pathname + req.path + this.base.search,
          headers: withLength(req.headers, req.body),
          agent: this.agent,
          signal: req.signal,
        },
        (res) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res }),
      );
      // From the socket's assignment: waiting for a free pooled connection is not the upstream's connect time.
      let connectTimer: NodeJS.Timeout | undefined;
      outgoing.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () =>
            outgoing.destroy(
              new UpstreamConnectError(`connect timeout after ${this.opts.connectTimeoutMs} ms`, 'ETIMEDOUT'),
            ),
          this.opts.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('secureConnect', () => clearTimeout(connectTimer));
      });
      outgoing.on('response', () => clearTimeout(connectTimer));
      outgoing.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        reject(req.signal.aborted ? abortError(req.signal) : asConnectError(err));
      });
      outgoing.end(req.body);
    });
  }

  /**
   * Closes the idle pooled connections; calls in flight finish (a reload's streams), and their connections then close
   * instead of returning to the pool. (`agent.destroy()` would cut the calls in flight too.)
   */
  close(): void {
    this.agent.keepSocketAlive = () => false;
    for (const sockets of Object.values(this.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}

function withLength(headers: Record<string, string>, body: Buffer | string | undefined): Record<string, string> {
  if (body === undefined) return headers;
  return { ...headers, 'content-length': String(Buffer.byteLength(body)) };
}

function asConnectError(err: NodeJS.ErrnoException): Error {
  if (err instanceof UpstreamConnectError) return err;
  return new UpstreamConnectError(err.message, err.code ?? 'ECONNERROR');
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('aborted', 'AbortError');
}

/** Reads a (small, error) body whole, at most `limit` bytes. */
export async function readText(body: AsyncIterable<Buffer>, limit = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).toString('utf8').slice(0, limit);
}

/** An upstream's non-2xx answer as a failure: 429 and 5xx may be retried elsewhere, 4xx are the request's own. */
export function failureFromStatus(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  upstreamMessage: string,
): UpstreamFailure {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const message = `${provider} answered ${status}${upstreamMessage ? `: ${upstreamMessage.slice(0, 300)}` : ''}`;
  if (status === 429)
    return {
      status,
      type: 'rate_limit_error',
      code: 'upstream_rate_limited',
      message,
      retryable: true,
      ...retry(retryAfterMs),
    };
  if (status >= 500)
    return {
      status: 502,
      type: 'upstream_error',
      code: 'upstream_unavailable',
      message,
      retryable: true,
      ...retry(retryAfterMs),
    };
  const type = status === 401 || status === 403 ? 'authentication_error' : 'invalid_request_error';
  return { status, type, code: status === 404 ? 'model_not_found' : 'upstream_rejected', message, retryable: false };
}

/** A thrown error as a failure: connection problems may be retried elsewhere; an abort is reported as such. */
export function failureFromError(provider: string, err: unknown, signal: AbortSignal): UpstreamFailure {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const message = reason instanceof Error ? reason.message : 'aborted';
    return {
      status: 504,
      type: 'timeout',
      code: 'upstream_aborted',
      message: `${provider}: ${message}`,
      retryable: true,
    };
  }
  const code = err instanceof UpstreamConnectError ? err.code : 'ECONNERROR';
  const message = `${provider} unreachable: ${err instanceof Error ? err.message : String(err)}`;
  return {
    status: 502,
    type: 'upstream_error',
    code: code === 'ETIMEDOUT' ? 'upstream_connect_timeout' : 'upstream_unreachable',
    message,
    retryable: true,
  };
}

function retry(ms: number | undefined): { retryAfterMs?: number } {
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/** `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
