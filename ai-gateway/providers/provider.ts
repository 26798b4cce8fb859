import type { ChatChunk, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResponse } from '../openai/types.js';

export type ProviderType = 'openai' | 'anthropic' | 'bedrock';
/** A provider's kind: a configured type, or a vLLM server of this instance (LocalModel). */
export type ProviderKind = ProviderType | 'vllm';

/**
 * Why an attempt failed. `retryable`: nothing reached the client yet and the failure is the upstream's (429, 5xx,
 * connection refused or reset, no first token in time), so the dispatcher may back off and try the next target.
 */
export interface UpstreamFailure {
  /** The HTTP status the client gets when this is the last failure (502 for a connection error, 504 for a timeout). */
  status: number;
  /** OpenAI error type: `rate_limit_error`, `upstream_error`, `timeout`, `invalid_request_error`, ... */
  type: string;
  code: string;
  /** Safe to show the client and write in status: never a key, never the prompt. */
  message: string;
  retryable: boolean;
  /** The upstream's `retry-after`, when it sent one. */
  retryAfterMs?: number;
}

/** Thrown by a chunk stream that fails after its first chunk: the client's stream ends with an error event. */
export class MidStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MidStreamError';
  }
}

export interface CallContext {
  /** Aborted when the client goes away, or a deadline passes: the upstream call must stop (and stop billing). */
  signal: AbortSignal;
  /** The gateway's request id, sent upstream as `x-request-id` where the provider takes one. */
  requestId: string;
  /** Passthrough mode: the client's own `Authorization` header value, for OpenAI-type providers. */
  clientAuthorization?: string;
}

/**
 * A started chat stream: the first chunk has arrived (so the dispatcher may commit the response to the client),
 * `rest` yields the others. The provider always asks upstream for usage: the last chunk carries `usage` with empty
 * choices, whatever the client asked for (the server strips it when the client did not ask).
 */
export interface ChunkStream {
  first: ChatChunk;
  rest: AsyncIterable<ChatChunk>;
}

export type ChatAttempt =
  | { ok: true; completion: ChatCompletion }
  | { ok: true; stream: ChunkStream }
  | { ok: false; failure: UpstreamFailure };

export type EmbeddingsAttempt = { ok: true; response: EmbeddingsResponse } | { ok: false; failure: UpstreamFailure };

/** A raw HTTP exchange passed through to OpenAI-type providers (`/v1/responses`). */
export interface RawRequest {
  method: string;
  /** The path below the provider's base URL, e.g. `/responses`. */
  path: string;
  body: Buffer;
  contentType: string;
}

export type RawAttempt =
  | { ok: true; status: number; headers: Record<string, string>; body: AsyncIterable<Buffer> }
  | { ok: false; failure: UpstreamFailure };

/**
 * One configured upstream (a provider entry of the config). `request.model` is already the upstream model id.
 * A provider never retries on its own: retries and fallback are the dispatcher's, before the first byte only.
 */
export interface Provider {
  readonly name: string;
  readonly type: ProviderKind;
  chat(request: ChatRequest, ctx: CallContext): Promise<ChatAttempt>;
  embeddings(request: EmbeddingsRequest, ctx: CallContext): Promise<EmbeddingsAttempt>;
  /** Only OpenAI-type providers pass raw requests through. */
  raw?(request: RawRequest, ctx: CallContext): Promise<RawAttempt>;
  /** Closes idle pooled connections; calls in flight finish (a reload drops the old provider this way). */
  close(): void;
}
