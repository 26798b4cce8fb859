import { createHash } from 'node:crypto';
import type { ChatCompletion, ChatRequest } from '../openai/types.js';

/**
 * The exact-match cache key. Two requests share an answer when they ask the same resolved model the same thing:
 * every request field takes part except those below, which change who asks, how the answer is delivered or how it
 * is billed, never what the model writes. Fields the gateway does not know (a new OpenAI parameter) take part, so
 * an unknown parameter can cost a hit but never serve a wrong answer.
 */
export const KEY_IGNORED_FIELDS: readonly string[] = [
  // The client's name for the model: the resolved model takes its place, so aliases of one model share entries.
  'model',
  // Delivery: a stored answer is replayed as a stream when the client streams (usage chunk only when asked).
  'stream',
  'stream_options',
  // Who asks and what the provider keeps: end-user ids, tags, storage for distillation, routing and billing hints.
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
];

const IGNORED = new Set(KEY_IGNORED_FIELDS);

/** Bumped when the key's inputs change shape, so old entries on disk are never matched by a new meaning. */
const KEY_VERSION = 1;

/** JSON with object keys sorted at every depth; `undefined` members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Hex SHA-256 of the canonical request. `resolvedModel` names the upstream that answers (e.g. `openai:gpt-4o-mini`);
 * `scope` is the gateway key's id (cache scope `key`) or `gateway` (shared by all clients).
 */
export function cacheKey(request: ChatRequest, resolvedModel: string, scope: string): string {
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) if (!IGNORED.has(field)) params[field] = value;
  return sha256Hex(canonicalJson({ v: KEY_VERSION, scope, model: resolvedModel, params }));
}

export type CacheDecision = { cacheable: true } | { cacheable: false; reason: string };

const YES: CacheDecision = { cacheable: true };

/**
 * Whether a request's answer may be stored and served again. Sampling settings (temperature, top_p, seed) are no
 * reason: caching is exact-match and opted into by configuration, so a repeat at temperature 1 gets the first
 * answer. What is refused: several samples (n>1, the rule), and answers the stored form cannot reproduce
 * or that depend on the moment (per-token logprobs, audio, legacy function_call, web search).
 */
export function cacheable(request: ChatRequest): CacheDecision {
  if (request.n !== undefined && request.n > 1) return { cacheable: false, reason: 'n>1 asks for several samples' };
  if (request['logprobs'] === true || request['top_logprobs'] !== undefined) {
    return { cacheable: false, reason: 'logprobs are not kept by the cache' };
  }
  const modalities = request['modalities'];
  if (request['audio'] !== undefined || (Array.isArray(modalities) && modalities.includes('audio'))) {
    return { cacheable: false, reason: 'audio output is not kept by the cache' };
  }
  if (request['functions'] !== undefined || request['function_call'] !== undefined) {
    return { cacheable: false, reason: 'legacy function_call answers are not kept by the cache' };
  }
  if (request['web_search_options'] !== undefined) {
    return { cacheable: false, reason: 'web search answers depend on the moment' };
  }
  return YES;
}

/** Whether an upstream answer is whole enough to store: every choice finished (a partial stream never is). */
export function storable(completion: ChatCompletion): CacheDecision {
  if (completion.choices.length === 0) return { cacheable: false, reason: 'the answer has no choices' };
  if (completion.choices.length > 1) return { cacheable: false, reason: 'the answer has several choices' };
  if (completion.choices.some((choice) => choice.finish_reason === null)) {
    return { cacheable: false, reason: 'the answer did not finish' };
  }
  return YES;
}
