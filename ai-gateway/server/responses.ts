import type { ChatDeps } from './chat.js';
import type { CallOutcome, RequestContext } from './context.js';
import { elapsed } from './context.js';
import { dispatch } from './dispatch.js';
import { mayUse } from './auth.js';
import { badRequest, sendError, type ClientError } from './respond.js';
import type { RawAttempt } from '../providers/provider.js';

type Started = Extract<RawAttempt, { ok: true }>;

/**
 * POST /v1/responses, passed through to OpenAI-type providers as the client sent it (only the model is the
 * upstream's id), streamed or not. Metered from the response's usage when it is JSON; not cached.
 */
export async function handleResponses(ctx: RequestContext, body: unknown, _raw: Buffer, deps: ChatDeps): Promise<void> {
  const model = typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : '';
  const base = {
    requestId: ctx.requestId,
    endpoint: 'responses' as const,
    startedAt: ctx.startedAt,
    clientAddress: ctx.clientAddress,
    keyId: ctx.caller.keyId,
    requestedModel: model,
    cache: 'bypass' as const,
    tried: [],
    stream: !!(body as { stream?: unknown }).stream,
  };
  const finish = (o: Partial<CallOutcome>): void =>
    deps.sink.record({ ...base, status: 0, ...o, totalMs: elapsed(ctx.startedAt) });
  const refuse = (e: ClientError): void => {
    sendError(ctx.res, e);
    finish({ status: e.status, errorCode: e.code });
  };
  if (!model || typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse(badRequest("Missing required parameter: 'model'.", 'invalid_request', 'model'));
  const route = ctx.runtime.route(model);
  if ('status' in route) return refuse(route);
  const targets = route.targets.filter((t) => t.instance.raw);
  if (targets.length === 0)
    return refuse(
      badRequest(
        `The model '${model}' is not served by an OpenAI-type provider: /v1/responses passes through to those only.`,
        'model_not_supported',
        'model',
      ),
    );
  if (!mayUse(ctx.caller, model))
    return refuse({
      status: 403,
      type: 'permission_error',
      code: 'model_not_allowed',
      message: `Key ${ctx.caller.keyId} may not use the model '${model}'.`,
      param: 'model',
    });
  const admitted = 'key' in ctx.caller ? deps.limiter.admit(ctx.caller.key) : undefined;
  if (admitted && !admitted.ok) return refuse(admitted.error);
  const { retries, backoffMs, firstTokenTimeoutMs } = ctx.runtime.config.limits;
  const callCtx = (signal: AbortSignal) => ({
    signal,
    requestId: ctx.requestId,
    ...('authorization' in ctx.caller ? { clientAuthorization: ctx.caller.authorization } : {}),
  });
  const result = await dispatch<Started>(
    targets,
    async (t, signal) => {
      const a = await t.instance.raw!(
        {
          method: 'POST',
          path: '/responses',
          body: Buffer.from(JSON.stringify({ ...body, model: t.model })),
          contentType: 'application/json',
        },
        callCtx(signal),
      );
      return a.ok ? { ok: true, value: a } : a;
    },
    { retries, backoffMs, firstTokenTimeoutMs, signal: ctx.signal, onAttempt: (r) => deps.health.note(r) },
  );
  const resolved = result.target
    ? { provider: result.target.provider, model: result.target.model, price: result.target.price }
    : undefined;
  if (!result.ok) {
    admitted?.ok && admitted.release(0);
    sendError(ctx.res, result.failure, { 'x-request-id': ctx.requestId });
    return finish({
      tried: result.tried,
      ...(resolved ? { resolved } : {}),
      status: result.failure.status,
      errorCode: result.failure.code,
    });
  }
  const usage = await pipe(ctx, result.value);
  admitted?.ok && admitted.release(usage?.total_tokens ?? 0);
  finish({
    tried: result.tried,
    ...(resolved ? { resolved } : {}),
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
    return void ctx.res.destroy();
  }
  ctx.res.end();
  return json ? usageOf(Buffer.concat(kept)) : undefined;
}

function usageOf(body: Buffer): CallOutcome['usage'] {
  try {
    const u = (
      JSON.parse(body.toString('utf8')) as {
        usage?: { input_tokens?: number; output_tokens?: number; input_tokens_details?: { cached_tokens?: number } };
      }
    ).usage;
    if (!u) return undefined;
    const prompt = u.input_tokens ?? 0;
    const completion = u.output_tokens ?? 0;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 },
    };
  } catch {
    return undefined;
  }
}
