/**
 * A fake Amazon Bedrock runtime: a real HTTP server speaking the REST protocol the SDK uses, reached through the
 * provider's endpoint override. POST /model/{modelId}/converse (JSON), /converse-stream (the binary event stream)
 * and /invoke (Titan and Cohere embeddings). Answers are scripted (fake-replies.ts, fake-embeddings.ts); failures
 * are injected by rules. It counts every call by model and operation and keeps the last requests, so a test can
 * assert that nothing reached the upstream.
 *
 * From another process (an e2e container, the lab), the same controls are HTTP endpoints:
 *   GET /__fake/calls  -> {total, byModel, last}     POST /__fake/rules (a FakeRule)     POST /__fake/reset
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEvent, encodeException } from './event-stream.js';
import { invokeAnswer } from './fake-embeddings.js';
import { readBody, sendError, sendJson } from './fake-http.js';
import { scriptedReply, streamEvents, type WireRequest } from './fake-replies.js';

export type FakeOperation = 'converse' | 'converse-stream' | 'invoke';

export type FakeFailure =
  /** An error answer; the error type defaults from the status (429 ThrottlingException, 500 InternalServer...). */
  | { kind: 'status'; status: number; errorType?: string; message?: string; retryAfterSeconds?: number }
  /** No byte is ever sent: the request stays open until the client aborts (or the fake closes). */
  | { kind: 'hang' }
  /** The socket is destroyed after this many stream events (0: before the headers; non-stream calls: at once). */
  | { kind: 'drop'; afterEvents: number }
  /** A stream exception event (e.g. modelStreamErrorException) after this many events. */
  | { kind: 'exception'; afterEvents: number; exceptionType?: string; message?: string }
  /** Each stream event (or a non-stream answer) waits this long. */
  | { kind: 'slow'; eventDelayMs: number }
  /** A stream sends this many events, then nothing more until its client goes away. */
  | { kind: 'stall'; afterEvents: number };

export interface FakeRule {
  /** Only calls to this model id; any model when absent. */
  model?: string;
  operation?: FakeOperation;
  /** How many matching calls the rule applies to (default 1), or always. */
  times?: number | 'always';
  failure: FakeFailure;
}

export interface RecordedRequest {
  operation: FakeOperation;
  model: string;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface CallCounts {
  total: number;
  /** Calls whose client went away before the answer ended (an aborted upstream call stops being billed). */
  disconnects: number;
  byModel: Record<string, Partial<Record<FakeOperation, number>>>;
}

export interface FakeBedrockOptions {
  host?: string;
  port?: number;
  /** Report a system prompt seen before as cache reads (see fake-replies.ts). */
  promptCache?: boolean;
  /** When set, other model ids answer 404 ResourceNotFoundException. */
  models?: readonly string[];
}

export interface FakeBedrock {
  /** The endpoint override for the provider (`baseUrl`). */
  url: string;
  calls(): CallCounts;
  /** Calls received, optionally of one model and operation. */
  count(model?: string, operation?: FakeOperation): number;
  /** The last request received, optionally of one operation and model. */
  last(operation?: FakeOperation, model?: string): RecordedRequest | undefined;
  addRule(rule: FakeRule): void;
  reset(): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
const RECORDED_MAX = 100;

interface State {
  options: FakeBedrockOptions;
  rules: { rule: FakeRule; left: number }[];
  recorded: RecordedRequest[];
  counts: CallCounts;
  cache: Set<string>;
  /** Answers the fake itself cut (drop): their closing is no client disconnect. */
  dropped: WeakSet<http.ServerResponse>;
}

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const state: State = {
    options,
    rules: [],
    recorded: [],
    counts: { total: 0, disconnects: 0, byModel: {} },
    cache: new Set(),
    dropped: new WeakSet(),
  };
  const server = http.createServer((req, res) => {
    readBody(req)
      .then((raw) => route(state, req, res, raw))
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    calls: () => structuredClone(state.counts),
    count: (model, operation) => count(state.counts, model, operation),
    last: (operation, model) =>
      state.recorded.findLast((r) => (!operation || r.operation === operation) && (!model || r.model === model)),
    addRule: (rule) => addRule(state, rule),
    reset: () => reset(state),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function count(c: CallCounts, model?: string, operation?: FakeOperation): number {
  const models = model === undefined ? Object.values(c.byModel) : [c.byModel[model] ?? {}];
  return models.reduce(
    (n, ops) => n + (operation ? (ops[operation] ?? 0) : Object.values(ops).reduce((a, b) => a + (b ?? 0), 0)),
    0,
  );
}

function addRule(state: State, rule: FakeRule): void {
  state.rules.push({ rule, left: rule.times === 'always' ? Infinity : (rule.times ?? 1) });
}

function reset(state: State): void {
  state.rules = [];
  state.recorded = [];
  state.counts = { total: 0, disconnects: 0, byModel: {} };
  state.cache.clear();
}

function route(state: State, req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path.startsWith('/__fake/')) return control(state, req.method ?? '', path, raw, res);
  const m = ROUTE.exec(path);
  if (req.method !== 'POST' || !m) return sendError(res, 404, 'UnknownOperationException', `no operation at ${path}`);
  const model = decodeURIComponent(m[1]!);
  const operation = m[2] as FakeOperation;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    return sendError(res, 400, 'ValidationException', 'the request body is not JSON');
  }
  record(state, { operation, model, body, headers: req.headers });
  const counts = state.counts;
  res.on('close', () => {
    if (!res.writableFinished && !state.dropped.has(res)) counts.disconnects++;
  });
  const failure = takeFailure(state, model, operation);
  if (state.options.models && !state.options.models.includes(model)) {
    return sendError(res, 404, 'ResourceNotFoundException', `model ${model} not found`);
  }
  answer({ state, res, model, operation, body, failure });
}

function record(state: State, r: RecordedRequest): void {
  state.counts.total++;
  const ops = (state.counts.byModel[r.model] ??= {});
  ops[r.operation] = (ops[r.operation] ?? 0) + 1;
  state.recorded.push(r);
  if (state.recorded.length > RECORDED_MAX) state.recorded.shift();
}

function takeFailure(state: State, model: string, operation: FakeOperation): FakeFailure | undefined {
  const hit = state.rules.find(
    (r) =>
      r.left > 0 && (!r.rule.model || r.rule.model === model) && (!r.rule.operation || r.rule.operation === operation),
  );
  if (!hit) return undefined;
  hit.left--;
  return hit.rule.failure;
}

interface Exchange {
  state: State;
  res: http.ServerResponse;
  model: string;
  operation: FakeOperation;
  body: unknown;
  failure?: FakeFailure;
}

function answer(x: Exchange): void {
  if (x.failure && failEarly(x, x.failure)) return;
  const delay = x.failure?.kind === 'slow' ? x.failure.eventDelayMs : 0;
  if (x.operation === 'converse-stream') {
    void stream(x, delay);
    return;
  }
  void pauseUnlessClosed(x.res, delay).then(() => {
    if (!x.res.destroyed) (x.operation === 'invoke' ? invoke : converse)(x);
  });
}

/** The failures that happen before any answer; true when the exchange is over (or left hanging). */
function failEarly(x: Exchange, failure: FakeFailure): boolean {
  if (failure.kind === 'status') {
    const type = failure.errorType ?? ERROR_TYPES[failure.status] ?? 'InternalServerException';
    const headers = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
    sendError(x.res, failure.status, type, failure.message ?? `injected ${failure.status}`, headers);
    return true;
  }
  if (failure.kind === 'hang') return true;
  if (failure.kind === 'drop' && (x.operation !== 'converse-stream' || failure.afterEvents === 0)) {
    drop(x.state, x.res);
    return true;
  }
  return false;
}

function drop(state: State, res: http.ServerResponse): void {
  state.dropped.add(res);
  res.socket?.destroy();
}

function converse(x: Exchange): void {
  const reply = scriptedReply(x.body as WireRequest, x.state.options.promptCache ? x.state.cache : undefined);
  sendJson(x.res, 200, {
    output: { message: { role: 'assistant', content: reply.content } },
    stopReason: reply.stopReason,
    usage: reply.usage,
    metrics: { latencyMs: 1 },
  });
}

function invoke(x: Exchange): void {
  const a = invokeAnswer(x.model, x.body);
  if (a.status !== 200)
    return sendError(x.res, a.status, 'ValidationException', String((a.body as { message: string }).message));
  sendJson(x.res, 200, a.body, { 'x-amzn-bedrock-input-token-count': String(a.inputTokens ?? 0) });
}

async function stream(x: Exchange, delayMs: number): Promise<void> {
  const reply = scriptedReply(x.body as WireRequest, x.state.options.promptCache ? x.state.cache : undefined);
  const events = streamEvents(reply);
  const { res, failure } = x;
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  for (const [i, [type, payload]] of events.entries()) {
    if (failure && 'afterEvents' in failure && i === failure.afterEvents) return interrupt(x, failure);
    if (delayMs > 0) await pauseUnlessClosed(res, delayMs);
    if (res.destroyed) return;
    // Flushed before the next step, so a drop after N events really delivers N.
    await new Promise((r) => res.write(encodeEvent(type, payload), r));
  }
  res.end();
}

/** A stream's injected end after N events: cut, an exception event, or silence until the client leaves. */
function interrupt(x: Exchange, failure: Extract<FakeFailure, { afterEvents: number }>): void {
  if (failure.kind === 'drop') return drop(x.state, x.res);
  if (failure.kind === 'exception')
    x.res.end(encodeException(failure.exceptionType ?? 'modelStreamErrorException', failure.message ?? 'injected'));
}

/** Waits, but no longer than the client stays: a slow answer to a client that left ends with it. */
function pauseUnlessClosed(res: http.ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

function control(state: State, method: string, path: string, raw: Buffer, res: http.ServerResponse): void {
  if (method === 'GET' && path === '/__fake/calls')
    return sendJson(res, 200, { ...state.counts, last: state.recorded.at(-1) ?? null });
  if (method === 'POST' && path === '/__fake/reset') return void (reset(state), res.writeHead(204).end());
  if (method === 'POST' && path === '/__fake/rules') {
    try {
      addRule(state, JSON.parse(raw.toString('utf8')) as FakeRule);
    } catch {
      return sendJson(res, 400, { message: 'a rule is JSON: {"failure": {...}, "model"?, "operation"?, "times"?}' });
    }
    return void res.writeHead(204).end();
  }
  sendJson(res, 404, { message: `no control ${method} ${path}` });
}
