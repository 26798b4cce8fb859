import type { ChatCompletion, ChatRequest } from '../openai/types.js';
import type { ChatAttempt, ChunkStream } from '../providers/provider.js';
import { mayUse } from './auth.js';
import { relayStream } from './chat-stream.js';
import type { CacheResult, CallOutcome, ChatCache, OutcomeSink, RequestContext } from './context.js';
import { elapsed } from './context.js';
import { dispatch, type ResolvedTarget } from './dispatch.js';
import type { KeyLimiter } from './limits.js';
import { badRequest, sendError, sendJson, type ClientError } from './respond.js';
import { replayStream } from './chat-replay.js';
import { checkChatRequest } from './request-schema.js';
import type { Route } from './runtime.js';
import type { ProviderHealth } from './stats.js';

export interface ChatDeps {
  cache: ChatCache;
  health: ProviderHealth;
  limiter: KeyLimiter;
  sink: OutcomeSink;
}

type Outcome = Omit<CallOutcome, 'totalMs'>;

/** POST /v1/chat/completions: checks, cache, dispatch with fallback, then the answer (JSON or a stream). */
export async function handleChat(ctx: RequestContext, body: unknown, deps: ChatDeps): Promise<void> {
  const checked = checkChatRequest(body);
  const model = typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : '';
  const outcome: Outcome = base(ctx, model, !!(body as { stream?: unknown })?.stream);
  const finish = (extra: Partial<CallOutcome>): void =>
    deps.sink.record({ ...outcome, ...extra, totalMs: elapsed(ctx.startedAt) });
  if (!checked.ok) return refuse(ctx, badRequest(checked.message, 'invalid_request', checked.param), finish);
  const request = checked.value;
  outcome.request = request;
  const route = admitRoute(ctx, request);
  if ('status' in route) return refuse(ctx, route, finish);
  const admitted = 'key' in ctx.caller ? deps.limiter.admit(ctx.caller.key) : undefined;
  if (admitted && !admitted.ok) return refuse(ctx, admitted.error, finish);
  let tokens = 0;
  try {
    const result = await serve(ctx, request, route, deps);
    tokens = result.usage?.total_tokens ?? 0;
    finish(result);
  } finally {
    if (admitted?.ok) admitted.release(tokens);
  }
}

function base(ctx: RequestContext, model: string, stream: boolean): Outcome {
  const { requestId, clientAddress, startedAt } = ctx;
  return {
    requestId,
    endpoint: 'chat',
    startedAt,
    clientAddress,
    keyId: ctx.caller.keyId,
    requestedModel: model,
    cache: 'bypass',
    status: 0,
    tried: [],
    stream,
  };
}

function refuse(ctx: RequestContext, error: ClientError, finish: (o: Partial<CallOutcome>) => void): void {
  sendError(ctx.res, error);
  finish({ status: error.status, errorCode: error.code });
}

function admitRoute(ctx: RequestContext, request: ChatRequest): Route | ClientError {
  const route = ctx.runtime.route(request.model);
  if ('status' in route) return route;
  if (route.kind !== 'chat')
    return badRequest(`The model '${request.model}' serves embeddings, not chat.`, 'model_not_supported', 'model');
  if (!mayUse(ctx.caller, request.model))
    return {
      status: 403,
      type: 'permission_error',
      code: 'model_not_allowed',
      message: `Key ${ctx.caller.keyId} may not use the model '${request.model}'.`,
      param: 'model',
    };
  if (route.targets.length === 0)
    return {
      status: 503,
      type: 'upstream_error',
      code: 'no_provider',
      message: `No provider of the model '${request.model}' is configured.`,
    };
  return route;
}

/** The cache first (unless the client bypasses it), then the targets; answers the client and says what happened. */
async function serve(
  ctx: RequestContext,
  request: ChatRequest,
  route: Route,
  deps: ChatDeps,
): Promise<Partial<CallOutcome>> {
  const primary = route.targets[0]!;
  const cacheKey = bypassed(ctx)
    ? undefined
    : deps.cache.keyFor(request, `${primary.provider}/${primary.model}`, cacheScope(ctx));
  const cache: CacheResult = cacheKey ? 'miss' : 'bypass';
  if (cacheKey) {
    const hit = await deps.cache.get(cacheKey);
    if (hit) return answerFromCache(ctx, request, hit, primary);
  }
  const dispatchedAt = performance.now();
  const result = await dispatch<ChatCompletion | ChunkStream>(
    route.targets,
    (t, signal) => attempt(ctx, request, t, signal),
    {
      ...retryLimits(ctx, request),
      signal: ctx.signal,
      onAttempt: (r) => deps.health.note(r),
    },
  );
  const pre = dispatchedAt - ctx.startedAt;
  const resolved = result.target ? resolvedOf(result.target) : undefined;
  const common = { cache, tried: result.tried, ...(resolved ? { resolved } : {}) };
  if (!result.ok) {
    sendError(
      ctx.res,
      {
        ...result.failure,
        ...(result.failure.retryAfterMs ? { retryAfterSeconds: Math.ceil(result.failure.retryAfterMs / 1000) } : {}),
      },
      headers(ctx, cache),
    );
    return { ...common, status: result.failure.status, errorCode: result.failure.code };
  }
  const answered = performance.now();
  const store = cacheKey
    ? (c: ChatCompletion) =>
        deps.cache.set(cacheKey, c, { model: result.target.model, provider: result.target.provider })
    : undefined;
  if ('object' in result.value) {
    sendJson(ctx.res, 200, result.value, headers(ctx, cache));
    if (store && cacheable(result.value)) await store(result.value).catch(() => undefined);
    return {
      ...common,
      status: 200,
      ...(result.value.usage ? { usage: result.value.usage } : {}),
      overheadMs: round(pre + performance.now() - answered),
      ttftMs: elapsed(ctx.startedAt),
    };
  }
  const relayed = await relayStream(ctx, request, result.value, {
    headers: headers(ctx, cache),
    ...(store ? { store } : {}),
  });
  return {
    ...common,
    ...relayed,
    overheadMs: round(pre + relayed.firstWrittenAt - answered),
    ttftMs: round(relayed.firstWrittenAt - ctx.startedAt),
  };
}

function attempt(
  ctx: RequestContext,
  request: ChatRequest,
  target: ResolvedTarget,
  signal: AbortSignal,
): Promise<
  | { ok: true; value: ChatCompletion | ChunkStream }
  | { ok: false; failure: Extract<ChatAttempt, { ok: false }>['failure'] }
> {
  const callCtx = {
    signal,
    requestId: ctx.requestId,
    ...('authorization' in ctx.caller ? { clientAuthorization: ctx.caller.authorization } : {}),
  };
  return target.instance.chat({ ...request, model: target.model }, callCtx).then((a) => {
    if (!a.ok) return a;
    return { ok: true as const, value: 'completion' in a ? a.completion : a.stream };
  });
}

function answerFromCache(
  ctx: RequestContext,
  request: ChatRequest,
  hit: ChatCompletion,
  primary: ResolvedTarget,
): Promise<Partial<CallOutcome>> | Partial<CallOutcome> {
  const resolved = resolvedOf(primary);
  const usage = hit.usage ? { usage: hit.usage } : {};
  if (!request.stream) {
    sendJson(ctx.res, 200, hit, headers(ctx, 'hit'));
    return {
      cache: 'hit',
      resolved,
      status: 200,
      ...usage,
      overheadMs: elapsed(ctx.startedAt),
      ttftMs: elapsed(ctx.startedAt),
    };
  }
  return replayStream(ctx, request, hit, headers(ctx, 'hit')).then((ttft) => ({
    cache: 'hit' as const,
    resolved,
    status: 200,
    ...usage,
    overheadMs: ttft,
    ttftMs: ttft,
  }));
}

function resolvedOf(t: ResolvedTarget): NonNullable<CallOutcome['resolved']> {
  return { provider: t.provider, model: t.model, price: t.price };
}

/** Errors, partial answers and n > 1 are never cached. */
function cacheable(c: ChatCompletion): boolean {
  return c.choices.length === 1 && c.choices.every((ch) => ch.finish_reason !== null);
}

function bypassed(ctx: RequestContext): boolean {
  const cc = ctx.req.headers['cache-control'] ?? '';
  return /\bno-(cache|store)\b/i.test(cc);
}

function cacheScope(ctx: RequestContext): string {
  return ctx.runtime.config.cache.scope === 'gateway' ? 'gateway' : ctx.caller.keyId;
}

/** A call that is not streamed answers all at once: its first token is its whole answer, bounded by the total. */
function retryLimits(
  ctx: RequestContext,
  request: ChatRequest,
): { retries: number; backoffMs: number; firstTokenTimeoutMs: number } {
  const { retries, backoffMs, firstTokenTimeoutMs, totalTimeoutMs } = ctx.runtime.config.limits;
  return { retries, backoffMs, firstTokenTimeoutMs: request.stream ? firstTokenTimeoutMs : totalTimeoutMs };
}

function headers(ctx: RequestContext, cache: CacheResult): Record<string, string> {
  return { 'x-request-id': ctx.requestId, 'x-csgw-cache': cache };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
