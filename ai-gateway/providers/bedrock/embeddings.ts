/**
 * OpenAI embeddings over Bedrock's InvokeModel, for the two model families that embed text:
 * - Titan (`amazon.titan-embed-*`): one text per call, body `{inputText, dimensions?}`, usage from
 *   `inputTextTokenCount`;
 * - Cohere (`cohere.embed-*`): up to 96 texts per call, body `{texts, input_type: "search_document"}` (the gateway
 *   cannot know a query from a document; documents are the common case of a batch), usage from the
 *   `x-amzn-bedrock-input-token-count` response header, or, without it, estimated at 4 characters a token.
 * `encoding_format: base64` (the openai SDK's default) packs the floats as little-endian float32, as OpenAI does.
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types.js';
import { InvalidRequest } from './translate-messages.js';

/** One InvokeModel call: a JSON body in, the JSON body and response headers out. */
export type Invoke = (modelId: string, body: string) => Promise<{ body: string; headers: Record<string, string> }>;

type Family = 'titan' | 'cohere';

const COHERE_BATCH = 96;
/** Titan takes one text per call: a few in parallel, without one request taking the whole pool. */
const TITAN_PARALLEL = 4;
const INPUT_TOKEN_HEADER = 'x-amzn-bedrock-input-token-count';

/** Cross-region inference profile ids carry a geography prefix (`us.cohere.embed-...`). */
function familyOf(modelId: string): Family | undefined {
  if (/(^|\.)amazon\.titan-embed-/.test(modelId)) return 'titan';
  if (/(^|\.)cohere\.embed-/.test(modelId)) return 'cohere';
  return undefined;
}

/** Checks what Bedrock cannot take; throws InvalidRequest. */
function checkEmbeddingsRequest(request: EmbeddingsRequest): { family: Family; texts: string[] } {
  const family = familyOf(request.model);
  if (!family) {
    throw new InvalidRequest(
      `model "${request.model}" is not a Bedrock embeddings model the gateway speaks (amazon.titan-embed-*, cohere.embed-*)`,
      'unsupported_model',
    );
  }
  const input = request.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (texts.length === 0 || !texts.every((t): t is string => typeof t === 'string')) {
    throw new InvalidRequest(
      'input must be a string or a non-empty array of strings on Bedrock (no token arrays)',
      'invalid_input',
    );
  }
  if (family === 'cohere' && request.dimensions !== undefined) {
    throw new InvalidRequest('dimensions is not supported by Cohere embeddings on Bedrock', 'unsupported_parameter');
  }
  return { family, texts };
}

export async function embed(request: EmbeddingsRequest, invoke: Invoke): Promise<EmbeddingsResponse> {
  const { family, texts } = checkEmbeddingsRequest(request);
  const { vectors, tokens } =
    family === 'titan' ? await titan(request, texts, invoke) : await cohere(request.model, texts, invoke);
  const format = request.encoding_format ?? 'float';
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encode(v, format) })),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

interface Embedded {
  vectors: number[][];
  tokens: number;
}

async function titan(request: EmbeddingsRequest, texts: string[], invoke: Invoke): Promise<Embedded> {
  const one = async (inputText: string): Promise<{ embedding: number[]; tokens: number }> => {
    const body = JSON.stringify(
      request.dimensions === undefined ? { inputText } : { inputText, dimensions: request.dimensions },
    );
    const out = parse(await invoke(request.model, body)) as { embedding?: unknown; inputTextTokenCount?: unknown };
    return {
      embedding: vector(out.embedding),
      tokens: typeof out.inputTextTokenCount === 'number' ? out.inputTextTokenCount : 0,
    };
  };
  const results = await mapLimit(texts, TITAN_PARALLEL, one);
  return { vectors: results.map((r) => r.embedding), tokens: results.reduce((n, r) => n + r.tokens, 0) };
}

async function cohere(model: string, texts: string[], invoke: Invoke): Promise<Embedded> {
  const vectors: number[][] = [];
  let tokens = 0;
  for (let i = 0; i < texts.length; i += COHERE_BATCH) {
    const batch = texts.slice(i, i + COHERE_BATCH);
    const reply = await invoke(model, JSON.stringify({ texts: batch, input_type: 'search_document' }));
    const out = parse(reply) as { embeddings?: unknown };
    // v3 answers an array of vectors; with embedding_types it answers {float: [...]}.
    const list = Array.isArray(out.embeddings)
      ? out.embeddings
      : (out.embeddings as { float?: unknown } | undefined)?.float;
    if (!Array.isArray(list) || list.length !== batch.length) throw malformed('embeddings');
    vectors.push(...list.map(vector));
    const header = Number(reply.headers[INPUT_TOKEN_HEADER]);
    tokens += Number.isInteger(header) && header >= 0 ? header : Math.ceil(batch.join('').length / 4);
  }
  return { vectors, tokens };
}

function parse(reply: { body: string }): unknown {
  try {
    return JSON.parse(reply.body) as unknown;
  } catch {
    throw malformed('body');
  }
}

function vector(v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw malformed('embedding');
  return v;
}

/** An upstream answer the gateway cannot read: a 502, not the client's fault (the provider maps the name). */
function malformed(what: string): Error {
  return Object.assign(new Error(`Bedrock answered an embeddings ${what} the gateway cannot read`), {
    name: 'MalformedEmbeddings',
  });
}

function encode(v: number[], format: 'float' | 'base64'): number[] | string {
  if (format === 'float') return v;
  return Buffer.from(new Float32Array(v).buffer).toString('base64');
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  // After one failure the others stop taking items: the request has failed, its remaining calls would be wasted.
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++;
      results[i] = await fn(items[i]!).catch((err: unknown) => {
        failed = true;
        throw err;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
