import type { ProviderConfig } from '../../config.js';
import { parseSse } from '../../openai/sse.js';
import type { ChatChunk, ChatRequest, EmbeddingsRequest } from '../../openai/types.js';
import type { CallContext, ChatAttempt, EmbeddingsAttempt, Provider, UpstreamFailure } from '../provider.js';
import {
  UpstreamHttp,
  failureFromError,
  failureFromStatus,
  readText,
  type UpstreamResponse,
} from '../upstream-http.js';
import { toAnthropicRequest } from './translate-request.js';
import { toChatCompletion, type ResponseOptions } from './translate-response.js';
import { AnthropicStreamError, translateStream } from './translate-stream.js';
import { ANTHROPIC_VERSION, type AnthropicErrorBody, type AnthropicResponse } from './types.js';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

export interface AnthropicLimits {
  connectTimeoutMs: number;
}

/** Headers the provider sets itself: a configured extra header never replaces them. */
const OWN_HEADERS = new Set([
  'x-api-key',
  'anthropic-version',
  'content-type',
  'content-length',
  'accept',
  'authorization',
  'host',
  'connection',
  'transfer-encoding',
]);

/** A whole response body, however long the answer: far above any real completion. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Anthropic's error types as the HTTP statuses it sends them with (a stream's `error` event carries no status). */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * The Anthropic Messages API behind the OpenAI chat API: `POST {baseUrl}/messages` with `x-api-key` and
 * `anthropic-version`, over a keep-alive pool. It never retries (the dispatcher does); 529 (overloaded) is a
 * retryable 503. A stream is returned once its first chunk is translated, so anything that fails before that is a
 * retryable failure rather than a started stream.
 */
export class AnthropicProvider implements Provider {
  readonly name: string;
  readonly type = 'anthropic' as const;
  private readonly http: UpstreamHttp;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: ProviderConfig,
    limits: AnthropicLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.name = config.name;
    this.http = new UpstreamHttp({
      baseUrl: config.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL,
      maxSockets: config.maxSockets,
      connectTimeoutMs: limits.connectTimeoutMs,
    });
    const extra = Object.entries(config.headers ?? {})
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .filter(([k]) => !OWN_HEADERS.has(k));
    this.headers = {
      ...Object.fromEntries(extra),
      'content-type': 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      ...(config.apiKey === undefined ? {} : { 'x-api-key': config.apiKey }),
    };
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatAttempt> {
    const translated = toAnthropicRequest(request);
    if (!translated.ok) return translated;
    const { request: body, jsonTool } = translated.value;
    let res: UpstreamResponse;
    try {
      res = await this.http.request({
        method: 'POST',
        path: '/messages',
        headers: { ...this.headers, accept: body.stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
        signal: ctx.signal,
      });
    } catch (err) {
      return this.failed(failureFromError(this.name, err, ctx.signal));
    }
    if (res.status < 200 || res.status > 299) return this.failed(await this.statusFailure(res, ctx.signal));
    const opts: ResponseOptions = { created: Math.floor(this.now() / 1000), ...(jsonTool ? { jsonTool } : {}) };
    return body.stream ? this.startStream(res, opts, ctx.signal) : this.complete(res, opts, ctx.signal);
  }

  embeddings(_request: EmbeddingsRequest, _ctx: CallContext): Promise<EmbeddingsAttempt> {
    return Promise.resolve({
      ok: false,
      failure: {
        status: 400,
        type: 'invalid_request_error',
        code: 'embeddings_unsupported',
        message: `${this.name}: Anthropic has no embeddings API; route embedding models to Bedrock or OpenAI`,
        retryable: false,
      },
    });
  }

  close(): void {
    this.http.close();
  }

  private async complete(res: UpstreamResponse, opts: ResponseOptions, signal: AbortSignal): Promise<ChatAttempt> {
    let text: string;
    try {
      text = await readText(res.body, MAX_RESPONSE_BYTES);
    } catch (err) {
      if (signal.aborted) return this.failed(failureFromError(this.name, err, signal));
      return this.failed(badResponse(`${this.name}: the answer was cut before its end`));
    }
    const msg = parseJson(text) as AnthropicResponse | undefined;
    if (msg?.type !== 'message' || !Array.isArray(msg.content))
      return this.failed(badResponse(`${this.name} answered 2xx with a body that is not a message`));
    return { ok: true, completion: toChatCompletion(msg, opts) };
  }

  private async startStream(res: UpstreamResponse, opts: ResponseOptions, signal: AbortSignal): Promise<ChatAttempt> {
    const chunks = translateStream(parseSse(res.body), opts);
    let first: IteratorResult<ChatChunk>;
    try {
      first = await chunks.next();
    } catch (err) {
      // The failed generator has returned its source, which destroyed the body.
      return this.failed(this.earlyStreamFailure(err, signal));
    }
    if (first.done === true) return this.failed(badResponse(`${this.name} stream ended before its first chunk`));
    // A consumer that stops early returns the generator, which destroys the body (Readable's iterator does).
    return { ok: true, stream: { first: first.value, rest: chunks } };
  }

  /** A stream that failed before its first chunk: an `error` event keeps its meaning (overloaded is retryable). */
  private earlyStreamFailure(err: unknown, signal: AbortSignal): UpstreamFailure {
    if (signal.aborted) return failureFromError(this.name, err, signal);
    if (err instanceof AnthropicStreamError && err.error !== undefined) {
      const { type, message } = err.error;
      return statusFailure(this.name, ERROR_STATUS[type] ?? 500, {}, `${type}: ${message}`);
    }
    return badResponse(err instanceof Error ? err.message : `${this.name}: stream failed`);
  }

  private async statusFailure(res: UpstreamResponse, signal: AbortSignal): Promise<UpstreamFailure> {
    let text: string;
    try {
      text = await readText(res.body);
    } catch (err) {
      return failureFromError(this.name, err, signal);
    }
    const body = parseJson(text) as Partial<AnthropicErrorBody> | undefined;
    const detail = body?.error ? `${body.error.type}: ${body.error.message}` : text.trim();
    return statusFailure(this.name, res.status, res.headers, detail);
  }

  /** The key never leaves in a message, even if an upstream or a proxy echoed it. */
  private failed(failure: UpstreamFailure): ChatAttempt {
    const key = this.config.apiKey;
    if (key) failure.message = failure.message.split(key).join('[redacted]');
    return { ok: false, failure };
  }
}

function statusFailure(
  provider: string,
  status: number,
  headers: UpstreamResponse['headers'],
  detail: string,
): UpstreamFailure {
  const failure = failureFromStatus(provider, status, headers, detail);
  return status === 529 ? { ...failure, status: 503, code: 'upstream_overloaded' } : failure;
}

function badResponse(message: string): UpstreamFailure {
  return { status: 502, type: 'upstream_error', code: 'upstream_bad_response', message, retryable: true };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
