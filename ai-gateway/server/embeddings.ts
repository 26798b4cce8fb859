import type { EmbeddingsResponse } from '../openai/types.js';
import { mayUse } from './auth.js';
import type { ChatDeps } from './chat.js';
import type { CallOutcome, RequestContext } from './context.js';
import { elapsed } from './context.js';
import { dispatch } from './dispatch.js';
import { badRequest, sendError, sendJson, type ClientError } from './respond.js';
import { checkEmbeddingsRequest } from './request-schema.js';

/** POST /v1/embeddings: routed, limited, retried and metered like chat; not cached. */
export async function handleEmbeddings(ctx: RequestContext, body: unknown, deps: ChatDeps): Promise<void> {
  const model = typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : '';
  const base = {
    requestId: ctx.requestId,
    endpoint: 'embeddings' as const,
    startedAt: ctx.startedAt,
    clientAddress: ctx.clientAddress,
    keyId: ctx.caller.keyId,
    requestedModel: model,
    cache: 'bypass' as const,
    tried: [],
    stream: false,
  };
  const finish = (o: Partial<CallOutcome>): void =>
    deps.sink.record({ ...base, status: 0, ...o, totalMs: elapsed(ctx.startedAt) });
  const refuse = (e: ClientError): void => {
    sendError(ctx.res, e);
    finish({ status: e.status, errorCode: e.code });
  };
  const checked = checkEmbeddingsRequest(body);
  if (!checked.ok) return refuse(badRequest(checked.message, 'invalid_request', checked.param));
  const route = ctx.runtime.route(model);
  if ('status' in route) return refuse(route);
  if (route.kind !== 'embeddings' && route.targets.length > 0 && ctx.runtime.listModels().some((m) => m.name === model))
    return refuse(
      badRequest(`The model '${model}' is a chat model, not an embeddings model.`, 'model_not_supported', 'model'),
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
  const { retries, backoffMs, totalTimeoutMs } = ctx.runtime.config.limits;
  const dispatchedAt = performance.now();
  const result = await dispatch<EmbeddingsResponse>(
    route.targets,
    (t, signal) =>
      t.instance
        .embeddings({ ...checked.value, model: t.model }, { signal, requestId: ctx.requestId })
        .then((a) => (a.ok ? { ok: true, value: a.response } : a)),
    {
      retries,
      backoffMs,
      firstTokenTimeoutMs: totalTimeoutMs,
      signal: ctx.signal,
      onAttempt: (r) => deps.health.note(r),
    },
  );
  const resolved = result.target
    ? { provider: result.target.provider, model: result.target.model, price: result.target.price }
    : undefined;
  const common = { tried: result.tried, ...(resolved ? { resolved } : {}) };
  if (!result.ok) {
    if (admitted?.ok) admitted.release(0);
    sendError(ctx.res, result.failure, { 'x-request-id': ctx.requestId });
    return finish({ ...common, status: result.failure.status, errorCode: result.failure.code });
  }
  const answered = performance.now();
  sendJson(ctx.res, 200, result.value, { 'x-request-id': ctx.requestId });
  const u = result.value.usage;
  if (admitted?.ok) admitted.release(u?.total_tokens ?? 0);
  const usage = { prompt_tokens: u?.prompt_tokens ?? 0, completion_tokens: 0, total_tokens: u?.total_tokens ?? 0 };
  finish({
    ...common,
    status: 200,
    usage,
    overheadMs: Math.round((dispatchedAt - ctx.startedAt + performance.now() - answered) * 1000) / 1000,
  });
}
