import type { ProviderConfig } from '../../config.js';
import type {
  ChatChunk,
  ChatCompletion,
  ChatRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '../../openai/types.js';
import type {
  CallContext,
  ChatAttempt,
  EmbeddingsAttempt,
  Provider,
  RawAttempt,
  RawRequest,
  UpstreamFailure,
} from '../provider.js';
import {
  failureFromError,
  failureFromStatus,
  readText,
  UpstreamHttp,
  type UpstreamResponse,
} from '../upstream-http.js';
import { startChunkStream } from './stream.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Response headers a raw passthrough hands back; hop-by-hop and the upstream's own cookies are not. */
const RAW_HEADERS = ['content-type', 'openai-processing-ms', 'x-request-id'];

/**
 * OpenAI and any OpenAI-compatible server: the request goes through as the client sent it (only the model is the
 * upstream's id), so parameters the gateway does not know still work. Streams always ask for usage, for metering.
 */
export class OpenAiProvider implements Provider {
  readonly type = 'openai' as const;
  readonly name: string;
  private readonly http: UpstreamHttp;

  constructor(
    private readonly config: ProviderConfig,
    limits: { connectTimeoutMs: number },
  ) {
    this.name = config.name;
    this.http = new UpstreamHttp({
      baseUrl: config.baseUrl ?? DEFAULT_BASE_URL,
      maxSockets: config.maxSockets,
      connectTimeoutMs: limits.connectTimeoutMs,
    });
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatAttempt> {
    const body = request.stream
      ? { ...request, stream_options: { ...request.stream_options, include_usage: true } }
      : request;
    const res = await this.post('/chat/completions', JSON.stringify(body), ctx);
    if ('failure' in res) return { ok: false, failure: res.failure };
    if (!request.stream) {
      const parsed = await this.readJson<ChatCompletion>(res.response, ctx, 'choices');
      return 'failure' in parsed ? { ok: false, failure: parsed.failure } : { ok: true, completion: parsed.value };
    }
    return startChunkStream(this.name, res.response.body, ctx.signal);
  }

  async embeddings(request: EmbeddingsRequest, ctx: CallContext): Promise<EmbeddingsAttempt> {
    const res = await this.post('/embeddings', JSON.stringify(request), ctx);
    if ('failure' in res) return { ok: false, failure: res.failure };
    const parsed = await this.readJson<EmbeddingsResponse>(res.response, ctx, 'data');
    return 'failure' in parsed ? { ok: false, failure: parsed.failure } : { ok: true, response: parsed.value };
  }

  async raw(request: RawRequest, ctx: CallContext): Promise<RawAttempt> {
    const res = await this.post(request.path, request.body, ctx, request.contentType);
    if ('failure' in res) return { ok: false, failure: res.failure };
    const headers: Record<string, string> = {};
    for (const name of RAW_HEADERS) {
      const value = res.response.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return { ok: true, status: res.response.status, headers, body: res.response.body };
  }

  close(): void {
    this.http.close();
  }

  /** POSTs and answers the response when it is a 2xx, else the failure it means. */
  private async post(
    path: string,
    body: string | Buffer,
    ctx: CallContext,
    contentType = 'application/json',
  ): Promise<{ response: UpstreamResponse } | { failure: UpstreamFailure }> {
    try {
      const response = await this.http.request({
        method: 'POST',
        path,
        headers: this.headers(ctx, contentType),
        body,
        signal: ctx.signal,
      });
      if (response.status >= 200 && response.status < 300) return { response };
      const text = await readText(response.body).catch(() => '');
      return { failure: failureFromStatus(this.name, response.status, response.headers, errorMessage(text)) };
    } catch (err) {
      return { failure: failureFromError(this.name, err, ctx.signal) };
    }
  }

  /** The body as JSON with `list` an array (what the gateway reads of it), else a retryable bad answer. */
  private async readJson<T>(
    res: UpstreamResponse,
    ctx: CallContext,
    list: 'choices' | 'data',
  ): Promise<{ value: T } | { failure: UpstreamFailure }> {
    try {
      const value = JSON.parse(await readText(res.body, Number.MAX_SAFE_INTEGER)) as Record<string, unknown> | null;
      if (value && Array.isArray(value[list])) return { value: value as T };
      throw new Error(`no ${list} array`);
    } catch (err) {
      if (ctx.signal.aborted) return { failure: failureFromError(this.name, err, ctx.signal) };
      const message = `${this.name} answered a body that is not a ${list === 'choices' ? 'chat completion' : 'list of embeddings'}`;
      return {
        failure: { status: 502, type: 'upstream_error', code: 'upstream_bad_response', message, retryable: true },
      };
    }
  }

  private headers(ctx: CallContext, contentType: string): Record<string, string> {
    const authorization = ctx.clientAuthorization ?? (this.config.apiKey ? `Bearer ${this.config.apiKey}` : undefined);
    return {
      ...this.config.headers,
      'content-type': contentType,
      accept: 'application/json, text/event-stream',
      'x-request-id': ctx.requestId,
      ...(authorization ? { authorization } : {}),
    };
  }
}

/** The upstream's own error message, when its body is OpenAI's error shape. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message : '';
  } catch {
    return '';
  }
}

export type { ChatChunk };
