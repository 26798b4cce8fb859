import type { RawAttempt } from '../providers/provider.js';
import { Call, resolved, type CallDeps } from './call.js';
import type { CallOutcome, RequestContext } from './context.js';
import { dispatch } from './dispatch.js';
import { badRequest } from './respond.js';

type Started = Extract<RawAttempt, { ok: true }>;

/**
 * POST /v1/responses, passed through to OpenAI-type providers as the client sent it (only the model is the
 * upstream's id), streamed or not. Metered from the response's usage when it is JSON; not cached.
 */
export async function handleResponses(ctx: RequestContext, body: unknown, deps: CallDeps): Promise<void> {
  const call = new Call(ctx, 'responses', body, deps);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !call.model)
    return call.refuse(badRequest("Missing required parameter: 'model'.", 'invalid_request', 'model'));
  const route = call.admit('raw', body as Record<string, unknown>);
  if (!route) return;
  const { retries, backoffMs, firstTokenTimeoutMs } = ctx.runtime.config.limits;
  const passthrough = 'authorization' in ctx.caller ? { clientAuthorization: ctx.caller.authorization } : {};
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
  const usage = await pipe(ctx, result.value);
  call.finish({
    tried: result.tried,
    resolved: resolved(result.target),
    status: result.value.status,
    ...(usage ? { usage } : {}),
  });
}

/** Streams the upstream's body to the client with backpressure; reads usage from a JSON body. */
async function pipe(ctx: RequestContext, started: Started): Promise<CallOutcome['usage']> {
  ctx.res.writeHead(started.status, { ...started.headers, 'x-request-id': ctx.requestId });
  const json = (started.headers['content-type'] ?? '').includes('application/json');
  const kept: Buffer[] = [];
  try {
    for await (const chunk of started.body) {
      if (json) kept.push(chunk);
      if (!ctx.res.write(chunk)) await new Promise((r) => ctx.res.once('drain', r));
    }
  } catch {
    ctx.res.destroy();
    return undefined;
  }
  ctx.res.end();
  return json ? usageOf(Buffer.concat(kept)) : undefined;
}

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
}

/** The Responses API's usage in chat's terms. */
function usageOf(body: Buffer): CallOutcome['usage'] {
  try {
    const u = (JSON.parse(body.toString('utf8')) as { usage?: ResponsesUsage }).usage;
    if (!u) return undefined;
    const prompt = u.input_tokens ?? 0;
    const completion = u.output_tokens ?? 0;
    const cached = u.input_tokens_details?.cached_tokens ?? 0;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
    };
  } catch {
    return undefined;
  }
}
