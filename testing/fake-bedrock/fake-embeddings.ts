/**
 * The fake Bedrock's InvokeModel answers for the embeddings models, deterministic: a text's vector is derived from
 * its SHA-256 (so equal texts embed equally), of the model's real size unless `dimensions` asks otherwise. Tokens
 * are whitespace-separated words, as in fake-replies.ts.
 */
import { createHash } from 'node:crypto';
import { countTokens } from './fake-replies.js';

export interface InvokeAnswer {
  status: number;
  body: unknown;
  /** Bedrock's usage headers on InvokeModel. */
  inputTokens?: number;
}

const TITAN_V1_SIZE = 1536;
const DEFAULT_SIZE = 1024;

export function vectorOf(text: string, size: number): number[] {
  const out: number[] = [];
  let seed = createHash('sha256').update(text).digest();
  while (out.length < size) {
    for (const byte of seed) if (out.length < size) out.push(Math.round(((byte - 127.5) / 127.5) * 1e6) / 1e6);
    seed = createHash('sha256').update(seed).digest();
  }
  return out;
}

export function invokeAnswer(modelId: string, body: unknown): InvokeAnswer {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (/(^|\.)amazon\.titan-embed-/.test(modelId)) {
    if (typeof b.inputText !== 'string') return invalid('inputText must be a string');
    const size =
      typeof b.dimensions === 'number' ? b.dimensions : modelId.includes('-v1') ? TITAN_V1_SIZE : DEFAULT_SIZE;
    const tokens = countTokens(b.inputText);
    return {
      status: 200,
      body: { embedding: vectorOf(b.inputText, size), inputTextTokenCount: tokens },
      inputTokens: tokens,
    };
  }
  if (/(^|\.)cohere\.embed-/.test(modelId)) {
    const texts = b.texts;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string') || texts.length > 96) {
      return invalid('texts must be an array of at most 96 strings');
    }
    if (typeof b.input_type !== 'string') return invalid('input_type is required');
    return {
      status: 200,
      body: {
        id: createHash('sha256').update(texts.join('\n')).digest('hex').slice(0, 32),
        texts,
        embeddings: texts.map((t) => vectorOf(t, DEFAULT_SIZE)),
        response_type: 'embeddings_floats',
      },
      inputTokens: texts.reduce((n, t) => n + countTokens(t), 0),
    };
  }
  return invalid(`the fake Bedrock does not serve InvokeModel for ${modelId}`);
}

function invalid(message: string): InvokeAnswer {
  return { status: 400, body: { message } };
}
