import type { RawAttempt } from '../providers/provider.js';
import { Call, passthroughOf, resolved, type CallDeps } from './call.js';
import type { CallOutcome, RequestContext } from './context.js';
import { dispatch, TotalTimeout } from './dispatch.js';
import { badRequest, drained } from './respond.js';
import { SseDecoder } from '../openai/sse.js';

type Started = Extract<RawAttempt, { ok: true }>;

/**
 * POST /v1/responses, passed through to OpenAI-type providers as the client sent it (only the model is the
 * upstream's id), streamed or not. Metered from the response's usage when it is JSON; not cached.
 */
export async function handleResponses(ctx: RequestContext, body: unknown, deps: CallDeps): Promise<void> {
  const call = new Call(ctx, 'responses', body, deps);
  try {
    await responses(ctx, call, body, deps);
  } catch (err) {
    call.crashed(err);
  }
}

async function responses(ctx: RequestContext, call: Call, body: unknown, deps: CallDeps): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !call.model)
    return call.refuse(badRequest("Missing required parameter: 'model'.", 'invalid_request', 'model'));
  const route = call.admit('raw', body as Record<string, unknown>);
  if (!route) return;
  const { retries, backoffMs, firstTokenTimeoutMs } = ctx.runtime.config.limits;
  const passthrough = passthroughOf(ctx);
  const result = await dispatch<Started>(
    route.targets,
    async (t, signal) => {
      const payload = Buffer.from(JSON.stringify({ ...body, model: t.model }));
      const raw = { method: 'POST', path: '/responses', body: payload, contentType: 'application/json' };
      const a = await t.instance.raw!(raw, { signal, requestId: ctx.requestId, ...passthrough });
      return a.ok ? { ok: true, value: a } : a;
    },
    { retries, backoffMs, firstTokenTimeoutMs, signal: ctx.signal, onAttempt: (r) => deps.health.note(r) },
  );
  if (!result.ok) return call.failed(result);
  const piped = await pipe(ctx, result.value);
  call.finish({ tried: result.tried, resolved: resolved(result.target), ...piped });
}

/**
 * Streams the upstream's body to the client with backpressure, reading its usage along the way: from the JSON body,
 * or from the stream's `response.completed` event.
 */
async function pipe(ctx: RequestContext, started: Started): Promise<Partial<CallOutcome>> {
  ctx.res.writeHead(started.status, { ...started.headers, 'x-request-id': ctx.requestId });
  const meter = new UsageReader(started.headers['content-type'] ?? '');
  const withUsage = (o: Partial<CallOutcome>): Partial<CallOutcome> => {
    const usage = meter.usage();
    return usage ? { ...o, usage } : o;
  };
  try {
    for await (const chunk of started.body) {
      meter.push(chunk);
      if (!ctx.res.write(chunk) && !(await drained(ctx.res))) return withUsage(ended(ctx));
    }
  } catch {
    ctx.res.destroy();
    return withUsage(ended(ctx, { status: 502, errorCode: 'upstream_stream_failed' }));
  }
  ctx.res.end();
  return withUsage({ status: started.status });
}

/** How a passthrough that did not end normally is recorded: the request's own end, else the upstream's failure. */
function ended(ctx: RequestContext, otherwise = { status: 499, errorCode: 'client_closed' }): Partial<CallOutcome> {
  if (ctx.signal.reason instanceof TotalTimeout) return { status: 504, errorCode: 'total_timeout' };
  return ctx.signal.aborted ? { status: 499, errorCode: 'client_closed' } : otherwise;
}

/** The Responses API's usage, from a JSON body (kept whole) or an event stream (read event by event). */
class UsageReader {
  private readonly json: boolean;
  private readonly kept: Buffer[] = [];
  private readonly sse: SseDecoder | undefined;
  private found: ResponsesUsage | undefined;

  constructor(contentType: string) {
    this.json = contentType.includes('application/json');
    this.sse = contentType.includes('text/event-stream') ? new SseDecoder() : undefined;
  }

  push(chunk: Buffer): void {
    if (this.json) this.kept.push(chunk);
    for (const event of this.sse?.push(chunk) ?? []) {
      if (!event.data.includes('"response.completed"')) continue;
      this.found = parseUsage(event.data, (v) => (v as { response?: { usage?: ResponsesUsage } }).response?.usage);
    }
  }

  usage(): CallOutcome['usage'] {
    const u = this.json
      ? parseUsage(Buffer.concat(this.kept).toString('utf8'), (v) => (v as { usage?: ResponsesUsage }).usage)
      : this.found;
    return u ? chatUsage(u) : undefined;
  }
}

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
}

function parseUsage(text: string, pick: (value: unknown) => ResponsesUsage | undefined): ResponsesUsage | undefined {
  try {
    return pick(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The Responses API's usage in chat's terms. */
function chatUsage(u: ResponsesUsage): NonNullable<CallOutcome['usage']> {
  const prompt = u.input_tokens ?? 0;
  const completion = u.output_tokens ?? 0;
  const cached = u.input_tokens_details?.cached_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}
