import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatMessage } from '../ai-gateway/openai/types.js';
import { testEmbedding } from './deterministic-embedder.js';
import { sendJson, tokenCount } from './fake-upstream-common.js';
import { clientGone, firstTokenMs, pace, sleep, type VllmCtx } from './fake-vllm-engine.js';
import { chatShape, completionShape, nowSeconds, sendVllmError, serveGeneration } from './fake-vllm-generate.js';

/** A POST route of the OpenAI API: the JSON body, and the served name the request named (checked before). */
export type ApiRoute = (res: ServerResponse, ctx: VllmCtx, body: Record<string, unknown>, model: string) => unknown;

/** The POST routes a server has: a generating model serves completions, a pooling one (`--task embed`) embeddings. */
export function apiRoutes(pooling: boolean): Record<string, ApiRoute> {
  return pooling
    ? { '/v1/embeddings': embeddings }
    : { '/v1/chat/completions': chatCompletions, '/v1/completions': completions };
}

/** GET /v1/models as vLLM answers it: one card per served name, the model path as its root. */
export function modelList(ctx: VllmCtx): object {
  const created = nowSeconds();
  return {
    object: 'list',
    data: ctx.args.servedModelNames.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: ctx.args.model,
      parent: null,
      max_model_len: ctx.args.maxModelLen,
      permission: [],
    })),
  };
}

/** The served name a request names (vLLM takes an absent model as the first served name), or a 404 sent. */
export function servedName(res: ServerResponse, ctx: VllmCtx, requested: unknown): string | undefined {
  const names = ctx.args.servedModelNames;
  if (requested === undefined || requested === null || requested === '') return names[0];
  if (typeof requested === 'string' && names.includes(requested)) return requested;
  const shown = typeof requested === 'string' ? requested : JSON.stringify(requested);
  sendVllmError(res, 404, `The model \`${shown}\` does not exist.`);
  return undefined;
}

/** Answers `local: <the last user message's text>`, one token a word. */
function chatCompletions(res: ServerResponse, ctx: VllmCtx, body: Record<string, unknown>, model: string): unknown {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return sendVllmError(res, 400, 'messages: a non-empty list of messages is required', 'messages');
  const typed = messages as ChatMessage[];
  const lastUser = [...typed].reverse().find((m) => m.role === 'user');
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  return serveGeneration(
    res,
    ctx,
    {
      prompt: typed.map((m) => textOf(m.content)).join('\n'),
      reply: `local: ${lastUser ? textOf(lastUser.content) : ''}`,
      maxTokens: maxTokens(body.max_completion_tokens ?? body.max_tokens),
      stream: body.stream === true,
      includeUsage: streamOptions?.include_usage === true,
      shape: chatShape(model),
    },
    ctx.faults.take(),
  );
}

/** Answers `local: <the prompt>`, one token a word. */
function completions(res: ServerResponse, ctx: VllmCtx, body: Record<string, unknown>, model: string): unknown {
  const prompt: unknown = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  if (typeof prompt !== 'string') return sendVllmError(res, 400, 'prompt: a string is required', 'prompt');
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  return serveGeneration(
    res,
    ctx,
    {
      prompt,
      reply: `local: ${prompt}`,
      maxTokens: maxTokens(body.max_tokens),
      stream: body.stream === true,
      includeUsage: streamOptions?.include_usage === true,
      shape: completionShape(model),
    },
    ctx.faults.take(),
  );
}

/** Vectors from the deterministic test embedder, as floats or (what the openai SDK asks by default) base64. */
async function embeddings(res: ServerResponse, ctx: VllmCtx, body: Record<string, unknown>, model: string) {
  const inputs = embeddingInputs(body.input);
  if (!inputs) return sendVllmError(res, 400, 'input: a string, a list of strings or token ids is required', 'input');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    return sendVllmError(res, 400, `encoding_format: ${JSON.stringify(format)} is not supported`, 'encoding_format');
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined;
  const fault = ctx.faults.take();
  if (fault && 'status' in fault) return sendVllmError(res, fault.status, fault.message ?? `injected ${fault.status}`);
  const signal = clientGone(res, ctx.counters);
  if (!(await ctx.scheduler.admit(signal))) return;
  try {
    await sleep(firstTokenMs(ctx, fault), signal);
    if (signal.aborted || !(await pace(ctx, fault, [], signal, () => Promise.resolve()))) return;
    const tokens = inputs.reduce((n, text) => n + tokenCount(text), 0);
    ctx.counters.promptTokens += tokens;
    const data = inputs.map((text, index) => ({
      index,
      object: 'embedding',
      embedding: encode(testEmbedding(text, dimensions), format),
    }));
    const usage = { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null };
    sendJson(res, 200, {
      id: `embd-${randomUUID().replace(/-/g, '')}`,
      object: 'list',
      created: nowSeconds(),
      model,
      data,
      usage,
    });
    ctx.counters.succeeded('stop');
  } finally {
    ctx.scheduler.finish();
  }
}

function embeddingInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((i) => typeof i === 'string')) return input;
  if (input.every((i) => typeof i === 'number')) return [input.join(' ')];
  if (input.every((i) => Array.isArray(i))) return input.map((ids) => ids.join(' '));
  return undefined;
}

function encode(vector: number[], format: 'float' | 'base64'): number[] | string {
  return format === 'float' ? vector : Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function maxTokens(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as { type?: string; text?: string }[])
    .map((p) => (p.type === 'text' ? (p.text ?? '') : ''))
    .join(' ');
}
