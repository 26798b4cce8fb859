import type { Price } from '../config.js';
import type { Usage } from '../openai/types.js';

/** Tokens of one call, whatever the provider's usage looked like. `cached` is the part of `prompt` read from cache. */
export interface TokenUsage {
  prompt: number;
  completion: number;
  cached: number;
}

const count = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;

/** OpenAI usage (the providers' is mapped to it) -> tokens; absent or nonsense numbers count as 0. */
export function normaliseUsage(usage: Usage | null | undefined): TokenUsage {
  const prompt = count(usage?.prompt_tokens);
  return {
    prompt,
    completion: count(usage?.completion_tokens),
    cached: Math.min(count(usage?.prompt_tokens_details?.cached_tokens), prompt),
  };
}

/** USD for a call: cached prompt tokens at the cached-input price, the rest of the prompt at input, the completion at output. */
export function cost(usage: TokenUsage, price: Price): number {
  const prompt = count(usage.prompt);
  const cached = Math.min(count(usage.cached), prompt);
  const perMillion =
    (prompt - cached) * price.input + cached * price.cachedInput + count(usage.completion) * price.output;
  return perMillion / 1_000_000;
}
