import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest, ContentPart, ToolCall } from '../ai-gateway/openai/types.js';
import {
  CallLog,
  dropConnection,
  FaultPlan,
  hang,
  pause,
  readBody,
  sendJson,
  tokenCount,
  words,
  type Fault,
} from './fake-upstream-common.js';

export interface FakeOpenAiOptions {
  /** When set, calls must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Delay between stream events, to keep a stream in flight. */
  eventDelayMs?: number;
  host?: string;
  port?: number;
}

export interface FakeOpenAi {
  url: string;
  log: CallLog;
  faults: FaultPlan;
  setEventDelay(ms: number): void;
  /** Lets every stream held by a `holdAfterEvents` fault go on to its end. */
  release(): void;
  /** Streams waiting for release(). */
  held(): number;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream for tests and the lab (labelled as a stand-in): it answers `echo: <last user text>`,
 * calls the first tool when the last user text says `call <tool name>` (arguments `{"text": <the rest>}`), streams
 * one event per word with usage when asked, and reports usage from a fixed 4-characters-a-token count.
 */
export async function startFakeOpenAi(opts: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const log = new CallLog();
  const faults = new FaultPlan();
  const state: Ctx['state'] = { eventDelayMs: opts.eventDelayMs ?? 0, held: [] };
  const server = http.createServer((req, res) => {
    handle(req, res, { opts, log, faults, state }).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/v1`,
    log,
    faults,
    setEventDelay: (ms) => (state.eventDelayMs = ms),
    release: () => state.held.splice(0).forEach((go) => go()),
    held: () => state.held.length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers the fake cut itself: their closing is not a client going away. */
const dropped = new WeakSet<ServerResponse>();

interface Ctx {
  opts: FakeOpenAiOptions;
  log: CallLog;
  faults: FaultPlan;
  state: { eventDelayMs: number; held: (() => void)[] };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [] });
  const text = await readBody(req);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error', code: null } });
  }
  const model = typeof body.model === 'string' ? body.model : '';
  ctx.log.calls.push({ path, model, headers: req.headers, body });
  res.once('close', () => {
    if (!res.writableFinished && !dropped.has(res)) ctx.log.disconnects++;
  });
  if (ctx.opts.apiKey && req.headers.authorization !== `Bearer ${ctx.opts.apiKey}`)
    return sendJson(res, 401, {
      error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
    });
  const fault = ctx.faults.take(model);
  if (fault && 'status' in fault) return sendFault(res, fault);
  if (fault && 'hang' in fault) return hang(req, res);
  if (fault && 'badBody' in fault) return sendJson(res, 200, fault.badBody);
  return answer(res, path, body, ctx, fault);
}

function answer(
  res: ServerResponse,
  path: string,
  body: Record<string, unknown>,
  ctx: Ctx,
  fault: Fault | undefined,
): Promise<void> | void {
  if (path === '/v1/chat/completions') return chat(res, body as ChatRequest, ctx, fault);
  if (path === '/v1/embeddings') return sendJson(res, 200, embeddings(body));
  if (path === '/v1/responses') return sendJson(res, 200, responses(body));
  sendJson(res, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error', code: null } });
}

function sendFault(res: ServerResponse, fault: { status: number; retryAfterSeconds?: number; message?: string }): void {
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  const type = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error';
  const message = fault.message ?? `injected ${fault.status}`;
  sendJson(res, fault.status, { error: { message, type, code: null } }, headers);
}

/** The reply a request gets: its text and, when asked for, a tool call. */
export function fakeReply(req: ChatRequest): { content: string | null; toolCalls?: ToolCall[]; promptTokens: number } {
  const prompt = req.messages.map((m) => textOf(m.content)).join('\n');
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  const said = lastUser ? textOf(lastUser.content) : '';
  const tool = req.tools?.find((t) => said.startsWith(`call ${t.function.name}`));
  if (tool) {
    const args = JSON.stringify({ text: said.slice(`call ${tool.function.name}`.length).trim() });
    const toolCalls: ToolCall[] = [
      { id: 'call_fake_1', type: 'function', function: { name: tool.function.name, arguments: args } },
    ];
    return { content: null, toolCalls, promptTokens: tokenCount(prompt) };
  }
  return { content: `echo: ${said}`, promptTokens: tokenCount(prompt) };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as ContentPart[]).map((p) => (p.type === 'text' ? p.text : '[image]')).join(' ');
}

function chat(res: ServerResponse, req: ChatRequest, ctx: Ctx, fault: Fault | undefined): Promise<void> | void {
  const reply = fakeReply(req);
  const completionTokens = reply.content ? words(reply.content).length : 8;
  const usage = {
    prompt_tokens: reply.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: reply.promptTokens + completionTokens,
  };
  const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model: req.model };
  const finish = reply.toolCalls ? 'tool_calls' : 'stop';
  if (!req.stream) {
    const message = {
      role: 'assistant',
      content: reply.content,
      ...(reply.toolCalls ? { tool_calls: reply.toolCalls } : {}),
    };
    return sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
  }
  const chunk = (delta: object, finish_reason: string | null = null): object => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason }],
  });
  const events: object[] = [chunk({ role: 'assistant', content: '' })];
  if (reply.toolCalls) events.push(chunk({ tool_calls: reply.toolCalls.map((c, index) => ({ index, ...c })) }));
  else
    for (const [i, w] of words(reply.content ?? '').entries()) events.push(chunk({ content: i === 0 ? w : ` ${w}` }));
  events.push(chunk({}, finish));
  if (req.stream_options?.include_usage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  return streamEvents(res, events, ctx.state, fault);
}

async function streamEvents(
  res: ServerResponse,
  events: object[],
  state: Ctx['state'],
  fault: Fault | undefined,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const dropAfter = fault && 'dropAfterEvents' in fault ? fault.dropAfterEvents : Infinity;
  const stallAfter = fault && 'stallAfterEvents' in fault ? fault.stallAfterEvents : Infinity;
  const holdAt = fault && 'holdAfterEvents' in fault ? fault.holdAfterEvents : -1;
  for (const [i, event] of events.entries()) {
    if (i >= stallAfter) return hangOn(res);
    if (i === holdAt) await new Promise<void>((go) => state.held.push(go));
    if (i >= dropAfter) {
      dropped.add(res);
      return dropConnection(res);
    }
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(event)}\n\n`);
    await pause(state.eventDelayMs);
  }
  res.end('data: [DONE]\n\n');
}

/** Sends nothing more: the answer ends when the client goes away. */
function hangOn(res: ServerResponse): void {
  res.socket?.setTimeout(0);
}

/** A deterministic 8-dimension unit vector per input. */
function embeddings(body: Record<string, unknown>): object {
  const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
  const data = inputs.map((input, index) => ({ object: 'embedding', index, embedding: vector(String(input)) }));
  const tokens = inputs.reduce<number>((n, i) => n + tokenCount(String(i)), 0);
  return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function vector(text: string): number[] {
  const v = Array.from({ length: 8 }, (_, i) =>
    Math.sin((text.length + 1) * (i + 1) + text.charCodeAt(i % Math.max(1, text.length))),
  );
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function responses(body: Record<string, unknown>): object {
  const input = typeof body.input === 'string' ? body.input : JSON.stringify(body.input);
  const text = `echo: ${input}`;
  return {
    id: 'resp_fake',
    object: 'response',
    model: body.model,
    status: 'completed',
    output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
    usage: {
      input_tokens: tokenCount(input),
      output_tokens: words(text).length,
      total_tokens: tokenCount(input) + words(text).length,
    },
  };
}
