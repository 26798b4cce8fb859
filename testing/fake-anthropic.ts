// A fake Anthropic Messages API on a real node:http server (loopback, in-process), for provider, e2e and bench
// tests: real SSE framing, deterministic replies (see fake-anthropic-script.ts), failure injection and a call log.
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ANTHROPIC_VERSION } from '../ai-gateway/providers/anthropic/types.js';
import { errorTypeOf, invalidReason, reply, streamEvents, type FakeEvent } from './fake-anthropic-script.js';

export type AnthropicFault =
  /** Answer with this status and an Anthropic error body (529 is `overloaded_error`), with `retry-after` if set. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Never answer, not even headers, until the client goes away. */
  | { kind: 'hang' }
  /** Stream this many events (a non-stream answer: half its body), then destroy the socket. */
  | { kind: 'drop'; afterEvents: number }
  /** Stream this many events, then an `error` event (`overloaded_error` unless set), then end (streams only). */
  | { kind: 'streamError'; afterEvents: number; errorType?: string }
  /** Stream this many events (a non-stream answer: only its headers), then send nothing more until `resume()`
   *  (then the rest) or until the client goes away. */
  | { kind: 'stall'; afterEvents: number };

export interface FakeAnthropicCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
  model?: string;
  stream: boolean;
  /** The client's port: the same port on two calls means a reused keep-alive connection. */
  remotePort: number;
}

export interface FakeAnthropicOptions {
  /** The `x-api-key` accepted; anything else gets 401. */
  apiKey?: string;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  /** Where it listens (default loopback), e.g. a test network's bridge address for a gateway container. */
  host?: string;
}

export interface FakeAnthropic {
  /** The base URL a provider is configured with: `http://<host>:<port>/v1`. */
  url: string;
  apiKey: string;
  /** Every request received, in order, including refused ones. */
  calls: FakeAnthropicCall[];
  callCount(model?: string): number;
  /** The next `times` calls (any model) meet this fault. */
  failNext(fault: AnthropicFault, times?: number): void;
  /** Every call for this model meets this fault, until cleared with undefined. */
  failModel(model: string, fault: AnthropicFault | undefined): void;
  /** Requests whose response has not finished and whose client has not gone. */
  inFlight(): number;
  /** Lets every stalled answer go on to its end. */
  resume(): void;
  /** TCP connections open from clients (kept-alive ones included). */
  connections(): number;
  close(): Promise<void>;
}

export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake-0123456789';

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? FAKE_ANTHROPIC_KEY;
  const state = new FakeState(apiKey, {
    cacheReadInputTokens: options.cacheReadInputTokens ?? 0,
    cacheCreationInputTokens: options.cacheCreationInputTokens ?? 0,
  });
  const server = http.createServer((req, res) => {
    state.handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/v1`,
    apiKey,
    calls: state.calls,
    callCount: (model) => state.calls.filter((c) => model === undefined || c.model === model).length,
    failNext: (fault, times = 1) => state.queue.push(...Array.from({ length: times }, () => fault)),
    failModel: (model, fault) => (fault ? state.byModel.set(model, fault) : state.byModel.delete(model)),
    inFlight: () => state.open,
    resume: () => state.resume(),
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class FakeState {
  readonly calls: FakeAnthropicCall[] = [];
  readonly queue: AnthropicFault[] = [];
  readonly byModel = new Map<string, AnthropicFault>();
  open = 0;
  private stalled: (() => void)[] = [];

  constructor(
    private readonly apiKey: string,
    private readonly script: Parameters<typeof reply>[2],
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open++;
    res.once('close', () => this.open--);
    const call = this.record(req, await readBody(req));
    const refused = this.refusal(req);
    if (refused) return sendError(res, refused[0], refused[1]);
    const fault = this.queue.shift() ?? (call.model === undefined ? undefined : this.byModel.get(call.model));
    if (fault?.kind === 'status') return sendError(res, fault.status, 'injected failure', fault.retryAfterSeconds);
    if (fault?.kind === 'hang') return;
    const invalid = invalidReason(call.body);
    if (invalid !== undefined) return sendError(res, 400, invalid);
    const msg = reply(call.body as Parameters<typeof reply>[0], String(this.calls.length), this.script);
    const stall = fault?.kind === 'stall' ? () => new Promise<void>((go) => this.stalled.push(go)) : undefined;
    if (call.stream) return sendStream(res, streamEvents(msg), fault, stall);
    return sendJson(res, JSON.stringify(msg), fault, stall);
  }

  resume(): void {
    for (const go of this.stalled.splice(0)) go();
  }

  private record(req: IncomingMessage, text: string): FakeAnthropicCall {
    const body = parseJson(text) as { model?: unknown; stream?: unknown } | undefined;
    const call: FakeAnthropicCall = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: body ?? text,
      stream: body?.stream === true,
      remotePort: req.socket.remotePort ?? 0,
    };
    if (typeof body?.model === 'string') call.model = body.model;
    this.calls.push(call);
    return call;
  }

  /** The checks the API makes before it reads the body: route, key, version. */
  private refusal(req: IncomingMessage): [number, string] | undefined {
    if (req.method !== 'POST' || req.url !== '/v1/messages') return [404, `no route ${req.url}`];
    if (req.headers['x-api-key'] !== this.apiKey) return [401, 'invalid x-api-key'];
    if (req.headers['anthropic-version'] !== ANTHROPIC_VERSION)
      return [400, 'anthropic-version: header is required and must be a supported version'];
    return undefined;
  }
}

type Stall = (() => Promise<void>) | undefined;

async function sendJson(
  res: ServerResponse,
  json: string,
  fault: AnthropicFault | undefined,
  stall: Stall,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  if (stall) {
    res.flushHeaders();
    await stall();
  }
  if (fault?.kind !== 'drop') return void res.end(json);
  await write(res, json.slice(0, json.length / 2));
  res.socket?.destroy();
}

async function sendStream(
  res: ServerResponse,
  events: FakeEvent[],
  fault: AnthropicFault | undefined,
  stall: Stall,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const cut = fault !== undefined && 'afterEvents' in fault ? fault.afterEvents : events.length;
  await sendEvents(res, events.slice(0, cut));
  if (fault?.kind === 'drop') return void res.socket?.destroy();
  if (stall) {
    await stall();
    await sendEvents(res, events.slice(cut));
  }
  if (fault?.kind === 'streamError') {
    const error = { type: fault.errorType ?? 'overloaded_error', message: 'Overloaded' };
    await write(res, `event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n`);
  }
  res.end();
}

async function sendEvents(res: ServerResponse, events: FakeEvent[]): Promise<void> {
  for (const e of events) {
    if (res.destroyed) return;
    await write(res, `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  }
}

/** Writes, and waits until the bytes were handed to the socket, so a drop that follows never loses them. */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => res.write(text, () => resolve()));
}

function sendError(res: ServerResponse, status: number, message: string, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(JSON.stringify({ type: 'error', error: { type: errorTypeOf(status), message } }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
