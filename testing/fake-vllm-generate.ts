import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Usage } from '../ai-gateway/openai/types.js';
import { sendJson, tokenCount, words } from './fake-upstream-common.js';
import { clientGone, pace, type CallFault, type VllmCtx } from './fake-vllm-engine.js';

/** One generation request, whatever its route: what it asks and how the answer is shaped. */
export interface Generation {
  /** The prompt's text, for its token count only. */
  prompt: string;
  reply: string;
  maxTokens?: number;
  stream: boolean;
  includeUsage: boolean;
  shape: AnswerShape;
}

/** The route's wire format: chat completions or text completions. */
export interface AnswerShape {
  /** A streamed chunk carrying one token (and the finish reason on the last). */
  chunk(text: string, finish: string | null): object;
  /** Sent before the first token's chunk (chat: the assistant role). */
  opening?: object;
  whole(text: string, finish: string, usage: Usage): object;
  usageChunk(usage: Usage): object;
}

/** vLLM's error body (its ErrorResponse): the type named after the HTTP status, the code a number. */
export function sendVllmError(res: ServerResponse, status: number, message: string, param: string | null = null): void {
  const type = `${(STATUS_CODES[status] ?? 'Unknown').replace(/ Error$/, '').replace(/[^A-Za-z]/g, '')}Error`;
  sendJson(res, status, { error: { message, type, param, code: status } });
}

/**
 * Serves a generation: the call's fault, the context-length check, a place in the scheduler (waiting in FIFO while
 * max-num-seqs run), then the tokens at the configured pace, streamed or whole. Like vLLM, a stream's headers leave
 * with its first token: before it, a client has received nothing at all.
 */
export async function serveGeneration(
  res: ServerResponse,
  ctx: VllmCtx,
  gen: Generation,
  fault: CallFault | undefined,
): Promise<void> {
  if (fault && 'status' in fault) return sendVllmError(res, fault.status, fault.message ?? `injected ${fault.status}`);
  const promptTokens = tokenCount(gen.prompt);
  const requested = promptTokens + (gen.maxTokens ?? 0);
  if (requested > ctx.args.maxModelLen) return sendVllmError(res, 400, contextTooLong(ctx, promptTokens, gen));
  const all = words(gen.reply).map((w, i) => (i === 0 ? w : ` ${w}`));
  const tokens = gen.maxTokens === undefined ? all : all.slice(0, gen.maxTokens);
  const finish = tokens.length < all.length ? 'length' : 'stop';
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: tokens.length,
    total_tokens: promptTokens + tokens.length,
  };
  const signal = clientGone(res, ctx.counters);
  if (!(await ctx.scheduler.admit(signal))) return;
  try {
    ctx.counters.promptTokens += promptTokens;
    const run: Run = { res, ctx, fault, signal, tokens, finish, usage, gen };
    const done = gen.stream ? await streamAnswer(run) : await wholeAnswer(run);
    if (done) ctx.counters.succeeded(finish);
  } finally {
    ctx.scheduler.finish();
  }
}

interface Run {
  res: ServerResponse;
  ctx: VllmCtx;
  fault: CallFault | undefined;
  signal: AbortSignal;
  tokens: string[];
  finish: string;
  usage: Usage;
  gen: Generation;
}

async function wholeAnswer(run: Run): Promise<boolean> {
  const done = await pace(run.ctx, run.fault, run.tokens, run.signal, () => Promise.resolve());
  if (done) sendJson(run.res, 200, run.gen.shape.whole(run.tokens.join(''), run.finish, run.usage));
  return done;
}

async function streamAnswer(run: Run): Promise<boolean> {
  const { res, gen, tokens } = run;
  const done = await pace(run.ctx, run.fault, tokens, run.signal, async (token, i) => {
    if (i === 0) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      if (gen.shape.opening) await writeEvent(res, gen.shape.opening);
    }
    await writeEvent(res, gen.shape.chunk(token, i === tokens.length - 1 ? run.finish : null));
  });
  if (!done) return false;
  if (gen.includeUsage) await writeEvent(res, gen.shape.usageChunk(run.usage));
  res.end('data: [DONE]\n\n');
  return true;
}

/** Writes one event and waits until it reached the socket, so a death right after it still delivers it. */
function writeEvent(res: ServerResponse, event: object): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.write(`data: ${JSON.stringify(event)}\n\n`, () => resolve()));
}

function contextTooLong(ctx: VllmCtx, promptTokens: number, gen: Generation): string {
  const requested = promptTokens + (gen.maxTokens ?? 0);
  return (
    `This model's maximum context length is ${ctx.args.maxModelLen} tokens. However, you requested ${requested} ` +
    `tokens (${promptTokens} in the messages, ${gen.maxTokens ?? 0} in the completion). Please reduce the length ` +
    `of the messages or completion.`
  );
}

/** The answer shapes of /v1/chat/completions. */
export function chatShape(model: string): AnswerShape {
  const base = { id: `chatcmpl-${randomUUID().replace(/-/g, '')}`, created: nowSeconds(), model };
  const chunk = (choices: object[], extra: object = {}): object => ({
    ...base,
    object: 'chat.completion.chunk',
    choices,
    ...extra,
  });
  return {
    opening: chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    chunk: (text, finish) =>
      chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: finish, stop_reason: null }]),
    usageChunk: (usage) => chunk([], { usage: { ...usage, prompt_tokens_details: null } }),
    whole: (text, finish, usage) => ({
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null, tool_calls: [], reasoning_content: null },
          logprobs: null,
          finish_reason: finish,
          stop_reason: null,
        },
      ],
      system_fingerprint: null,
      usage: { ...usage, prompt_tokens_details: null },
      prompt_logprobs: null,
    }),
  };
}

/** The answer shapes of /v1/completions. */
export function completionShape(model: string): AnswerShape {
  const base = {
    id: `cmpl-${randomUUID().replace(/-/g, '')}`,
    object: 'text_completion',
    created: nowSeconds(),
    model,
  };
  const choice = (text: string, finish: string | null): object => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finish,
    stop_reason: null,
  });
  return {
    chunk: (text, finish) => ({ ...base, choices: [choice(text, finish)] }),
    usageChunk: (usage) => ({ ...base, choices: [], usage }),
    whole: (text, finish, usage) => ({ ...base, choices: [choice(text, finish)], usage }),
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
