import { createHash } from 'node:crypto';
import type { ChatCompletion, ChatRequest } from '../openai/types.js';
import type { ChunkStream } from '../providers/provider.js';
import { Call, passthroughOf, ms, resolved, type CallDeps } from './call.js';
import { replayStream } from './chat-replay.js';
import { relayStream } from './chat-stream.js';
import type { CacheResult, CallOutcome, ChatCache, RequestContext } from './context.js';
import { elapsed } from './context.js';
import type { DispatchResult, ResolvedTarget } from './dispatch.js';
import { dispatchRoute } from './route-dispatch.js';
import { badRequest, sendJson } from './respond.js';
import { checkChatRequest } from './request-schema.js';
import type { SemanticLayer, SemanticPending } from './semantic-layer.js';
import type { Route } from './runtime.js';

export interface ChatDeps extends CallDeps {
  cache: ChatCache;
  /** Absent when the semantic cache is off for this process. */
  semantic?: SemanticLayer;
}

type Answer = { kind: 'completion'; completion: ChatCompletion } | { kind: 'stream'; stream: ChunkStream };

/** POST /v1/chat/completions: checks, cache, dispatch with fallback, then the answer (JSON or a stream). */
export async function handleChat(ctx: RequestContext, body: unknown, deps: ChatDeps): Promise<void> {
  const call = new Call(ctx, 'chat', body, deps);
  try {
    await chat(ctx, call, body, deps);
  } catch (err) {
    call.crashed(err);
  }
}

async function chat(ctx: RequestContext, call: Call, body: unknown, deps: ChatDeps): Promise<void> {
  const checked = checkChatRequest(body);
  if (!checked.ok) return call.refuse(badRequest(checked.message, 'invalid_request', checked.param));
  const route = call.admit('chat', checked.value);
  if (!route) return;
  const request = checked.value;
  const primary = route.targets[0]!;
  const cached = await lookupCaches(ctx, route, request, deps);
  if ('hit' in cached) return call.finish(await answerFromCache(ctx, request, cached.hit, primary));
  const { cacheKey, pending } = cached;
  const dispatchedAt = performance.now();
  const result = await dispatchChat(ctx, call, request, route, deps);
  const cache: CacheResult = cacheKey ? 'miss' : 'bypass';
  if (!result.ok) return call.failed(result, { cache });
  // Only the primary target's answer is the answer to this key: a fallback's is served, never cached as it.
  const store =
    cacheKey && result.target === primary
      ? (c: ChatCompletion): Promise<void> => {
          // The client has the whole answer: a local slot is not held while it is written to the cache.
          call.localAnswered();
          const written = deps.cache.set(cacheKey, c, { model: primary.model, provider: primary.provider });
          // The exact cache holds the answer (in memory) once set is called; a pointer to an answer it did not keep
          // (not storable) is dropped by the first lookup that finds it.
          if (pending) deps.semantic?.remember(pending, cacheKey);
          return written;
        }
      : undefined;
  const answered = performance.now();
  const common = { cache, tried: result.tried, resolved: resolved(result.target) };
  const pre = dispatchedAt - ctx.startedAt;
  if (result.value.kind === 'completion') {
    const { completion } = result.value;
    sendJson(ctx.res, 200, completion, headers(ctx, cache));
    await store?.(completion);
    const usage = completion.usage ? { usage: completion.usage } : {};
    const overheadMs = ms(pre + performance.now() - answered);
    return call.finish({ ...common, status: 200, ...usage, overheadMs, ttftMs: elapsed(ctx.startedAt) });
  }
  const relayed = await relayStream(ctx, request, result.value.stream, {
    headers: headers(ctx, cache),
    ...(store ? { store } : {}),
  });
  const { firstWrittenAt, ...rest } = relayed;
  call.finish({
    ...common,
    ...rest,
    overheadMs: ms(pre + firstWrittenAt - answered),
    ttftMs: ms(firstWrittenAt - ctx.startedAt),
  });
}

/** The exact cache, then on a miss the semantic cache; what a miss leaves for storing the answer. */
async function lookupCaches(
  ctx: RequestContext,
  route: Route,
  request: ChatRequest,
  deps: ChatDeps,
): Promise<
  { hit: { completion: ChatCompletion; similarity?: number } } | { cacheKey?: string; pending?: SemanticPending }
> {
  const primary = route.targets[0]!;
  const cacheKey = bypassed(ctx)
    ? undefined
    : deps.cache.keyFor(request, `${primary.provider}:${primary.model}`, scope(ctx));
  if (!cacheKey) return {};
  const hit = await deps.cache.get(cacheKey);
  if (hit) return { hit: { completion: hit } };
  const semantic = deps.semantic ? await deps.semantic.lookup(ctx, route, request, scope(ctx), deps.cache) : {};
  return 'hit' in semantic ? semantic : { cacheKey, ...semantic };
}

function dispatchChat(
  ctx: RequestContext,
  call: Call,
  request: ChatRequest,
  route: Route,
  deps: ChatDeps,
): Promise<DispatchResult<Answer>> {
  const { retries, backoffMs, firstTokenTimeoutMs, totalTimeoutMs } = ctx.runtime.config.limits;
  const passthrough = passthroughOf(ctx);
  return dispatchRoute<Answer>(
    call,
    route,
    async (target, signal) => {
      const a = await target.instance.chat(
        { ...request, model: target.model },
        { signal, requestId: ctx.requestId, ...passthrough },
      );
      if (!a.ok) return a;
      const value: Answer =
        'completion' in a ? { kind: 'completion', completion: a.completion } : { kind: 'stream', stream: a.stream };
      return { ok: true, value };
    },
    {
      retries,
      backoffMs,
      // A call that is not streamed answers all at once: its first token is its whole answer, bounded by the total.
      firstTokenTimeoutMs: request.stream ? firstTokenTimeoutMs : totalTimeoutMs,
      streamed: request.stream === true,
      signal: ctx.signal,
      onAttempt: (r) => deps.health.note(r),
    },
  );
}

/** An exact hit, or a semantic one (its similarity in a header): replayed as a stream when the client streams. */
async function answerFromCache(
  ctx: RequestContext,
  request: ChatRequest,
  hit: { completion: ChatCompletion; similarity?: number },
  primary: ResolvedTarget,
): Promise<Partial<CallOutcome>> {
  const { completion, similarity } = hit;
  const cache: CacheResult = similarity === undefined ? 'hit' : 'semantic';
  const sent = {
    ...headers(ctx, cache),
    ...(similarity === undefined ? {} : { 'x-csgw-similarity': similarity.toFixed(3) }),
  };
  const usage = completion.usage ? { usage: completion.usage } : {};
  let ttft: number;
  if (request.stream) ttft = await replayStream(ctx, request, completion, sent);
  else {
    sendJson(ctx.res, 200, completion, sent);
    ttft = elapsed(ctx.startedAt);
  }
  return { cache, resolved: resolved(primary), status: 200, ...usage, overheadMs: ttft, ttftMs: ttft };
}

function bypassed(ctx: RequestContext): boolean {
  return /\bno-(cache|store)\b/i.test(ctx.req.headers['cache-control'] ?? '');
}

/**
 * The cache is per key unless configured gateway-wide. A passthrough caller's credential is only checked upstream, so
 * its answers are kept per credential whatever the scope: a cached answer never goes to a key the provider refused.
 */
function scope(ctx: RequestContext): string {
  const { caller } = ctx;
  if ('authorization' in caller)
    return `passthrough:${createHash('sha256').update(caller.authorization).digest('hex')}`;
  return ctx.runtime.config.cache.scope === 'gateway' ? 'gateway' : caller.keyId;
}

function headers(ctx: RequestContext, cache: CacheResult): Record<string, string> {
  return { 'x-request-id': ctx.requestId, 'x-csgw-cache': cache };
}
