import type { EmbeddingsResponse } from '../openai/types.js';
import { Call, passthroughOf, ms, resolved, type CallDeps } from './call.js';
import type { RequestContext } from './context.js';
import { dispatchRoute } from './route-dispatch.js';
import { badRequest, sendJson } from './respond.js';
import { checkEmbeddingsRequest } from './request-schema.js';

/** POST /v1/embeddings: routed, limited, retried and metered like chat; not cached. */
export async function handleEmbeddings(ctx: RequestContext, body: unknown, deps: CallDeps): Promise<void> {
  const call = new Call(ctx, 'embeddings', body, deps);
  try {
    await embeddings(ctx, call, body, deps);
  } catch (err) {
    call.crashed(err);
  }
}

async function embeddings(ctx: RequestContext, call: Call, body: unknown, deps: CallDeps): Promise<void> {
  const checked = checkEmbeddingsRequest(body);
  if (!checked.ok) return call.refuse(badRequest(checked.message, 'invalid_request', checked.param));
  const route = call.admit('embeddings', checked.value);
  if (!route) return;
  const { retries, backoffMs, totalTimeoutMs } = ctx.runtime.config.limits;
  const passthrough = passthroughOf(ctx);
  const dispatchedAt = performance.now();
  const result = await dispatchRoute<EmbeddingsResponse>(
    call,
    route,
    async (t, signal) => {
      const a = await t.instance.embeddings(
        { ...checked.value, model: t.model },
        { signal, requestId: ctx.requestId, ...passthrough },
      );
      return a.ok ? { ok: true, value: a.response } : a;
    },
    {
      retries,
      backoffMs,
      firstTokenTimeoutMs: totalTimeoutMs,
      signal: ctx.signal,
      onAttempt: (r) => deps.health.note(r),
    },
  );
  if (!result.ok) return call.failed(result);
  const answered = performance.now();
  sendJson(ctx.res, 200, result.value, { 'x-request-id': ctx.requestId });
  const prompt = result.value.usage?.prompt_tokens ?? 0;
  call.finish({
    tried: result.tried,
    resolved: resolved(result.target),
    status: 200,
    usage: { prompt_tokens: prompt, completion_tokens: 0, total_tokens: result.value.usage?.total_tokens ?? prompt },
    overheadMs: ms(dispatchedAt - ctx.startedAt + performance.now() - answered),
  });
}
