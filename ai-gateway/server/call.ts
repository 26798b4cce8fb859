import type { Logger } from 'pino';
import type { OverflowDecision } from '../local/overflow.js';
import { mayUse } from './auth.js';
import type { CallOutcome, OutcomeSink, RequestContext } from './context.js';
import { elapsed } from './context.js';
import type { DispatchResult, ResolvedTarget } from './dispatch.js';
import type { KeyLimiter } from './limits.js';
import { badRequest, sendError, type ClientError } from './respond.js';
import type { Route } from './runtime.js';
import type { ProviderHealth } from './stats.js';

const INTERNAL: ClientError = {
  status: 500,
  type: 'server_error',
  code: 'internal_error',
  message: 'The gateway failed to handle the request.',
};

export interface CallDeps {
  limiter: KeyLimiter;
  sink: OutcomeSink;
  health: ProviderHealth;
  /** Only for the gateway's own failures: never a prompt, never a key. */
  log: Logger;
}

/** One call from admission to its one outcome record; `release` returns the key's concurrency and counts tokens. */
export class Call {
  private readonly outcome: Omit<CallOutcome, 'totalMs'>;
  private release: ((tokens: number) => void) | undefined;
  private releaseLocal: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly ctx: RequestContext,
    endpoint: CallOutcome['endpoint'],
    body: unknown,
    private readonly deps: CallDeps,
  ) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { model?: unknown; stream?: unknown };
    this.outcome = {
      requestId: ctx.requestId,
      endpoint,
      startedAt: ctx.startedAt,
      clientAddress: ctx.clientAddress,
      keyId: ctx.caller.keyId,
      requestedModel: typeof b.model === 'string' ? b.model.slice(0, 256) : '',
      cache: 'bypass',
      status: 0,
      tried: [],
      stream: b.stream === true,
    };
  }

  get model(): string {
    return this.outcome.requestedModel;
  }

  /** The route when the model exists, suits the endpoint, the key may use it and is within its limits; else refused. */
  admit(kind: 'chat' | 'embeddings' | 'raw', request?: CallOutcome['request']): Route | undefined {
    if (request) this.outcome.request = request;
    const route = this.ctx.runtime.route(this.model);
    if ('status' in route) return void this.refuse(route);
    const served = this.servedBy(route, kind);
    const refusal = this.refusal(served, kind);
    if (refusal) return void this.refuse(refusal);
    const admitted = 'key' in this.ctx.caller ? this.deps.limiter.admit(this.ctx.caller.key) : undefined;
    if (admitted && !admitted.ok) return void this.refuse(admitted.error);
    this.release = admitted?.release;
    this.outcome.routedModel = route.label;
    return served;
  }

  /**
   * The targets this call may reach: raw requests and passthrough callers only OpenAI-type ones (a passthrough
   * caller is anyone with a bearer the gateway cannot check, so it never spends the gateway's own keys or role).
   */
  private servedBy(route: Route, kind: 'chat' | 'embeddings' | 'raw'): Route {
    const passthrough = kind === 'raw' || 'authorization' in this.ctx.caller;
    return passthrough ? { ...route, targets: route.targets.filter(passesThrough) } : route;
  }

  /** A local model's overflow decision, and the local slot the answer holds until the call ends. */
  decided(decision: OverflowDecision, release?: () => void): void {
    this.outcome.local = decision;
    this.releaseLocal = release;
  }

  /** The local server's part is over (the whole answer is in): its slot goes to the next request at once. */
  localAnswered(): void {
    this.releaseLocal?.();
  }

  /** The gateway's own failure: logged, answered 500 if nothing was sent yet, and recorded. */
  crashed(err: unknown): void {
    this.deps.log.error({ err, requestId: this.ctx.requestId }, 'request failed inside the gateway');
    if (this.ctx.res.headersSent) this.ctx.res.destroy();
    else sendError(this.ctx.res, INTERNAL, { 'x-request-id': this.ctx.requestId });
    this.finish({ status: 500, errorCode: INTERNAL.code });
  }

  /** Answers the client with the error and records the call. */
  refuse(error: ClientError, extra: Partial<CallOutcome> = {}): void {
    sendError(this.ctx.res, error, { 'x-request-id': this.ctx.requestId });
    this.finish({ ...extra, status: error.status, errorCode: error.code });
  }

  /** Records the dispatch's failure as the call's answer. */
  failed(result: Extract<DispatchResult<unknown>, { ok: false }>, extra: Partial<CallOutcome> = {}): void {
    const { failure } = result;
    const retryAfterSeconds = failure.retryAfterMs ? Math.ceil(failure.retryAfterMs / 1000) : undefined;
    // An upstream's message may quote the key it was sent (OpenAI-compatible servers do): never passed on.
    const message = this.ctx.runtime.redact(failure.message);
    const error = { ...failure, message, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
    this.refuse(error, {
      ...extra,
      tried: result.tried,
      ...(result.target ? { resolved: resolved(result.target) } : {}),
    });
  }

  finish(extra: Partial<CallOutcome>): void {
    if (this.done) return;
    this.done = true;
    this.release?.(extra.usage?.total_tokens ?? 0);
    this.releaseLocal?.();
    this.deps.sink.record({ ...this.outcome, ...extra, totalMs: elapsed(this.ctx.startedAt) });
  }

  private refusal(route: Route, kind: 'chat' | 'embeddings' | 'raw'): ClientError | undefined {
    const model = this.model;
    if (kind === 'chat' && route.kind === 'embeddings')
      return badRequest(`The model '${model}' serves embeddings, not chat.`, 'model_not_supported', 'model');
    if (kind === 'embeddings' && route.kind === 'chat')
      return badRequest(
        `The model '${model}' is a chat model, not an embeddings model.`,
        'model_not_supported',
        'model',
      );
    if (kind === 'raw' && !route.targets.some(passesThrough))
      return badRequest(
        `The model '${model}' is not served by an OpenAI-type provider: /v1/responses passes through to those only.`,
        'model_not_supported',
        'model',
      );
    if (!mayUse(this.ctx.caller, model))
      return {
        status: 403,
        type: 'permission_error',
        code: 'model_not_allowed',
        message: `Key ${this.ctx.caller.keyId} may not use the model '${model}'.`,
        param: 'model',
      };
    if (route.targets.length === 0 && 'authorization' in this.ctx.caller)
      return {
        status: 403,
        type: 'permission_error',
        code: 'model_not_allowed',
        message: `In passthrough mode only OpenAI-type providers are reached, and none serves the model '${model}'.`,
        param: 'model',
      };
    if (route.targets.length === 0)
      return {
        status: 503,
        type: 'upstream_error',
        code: 'no_provider',
        message: `No provider of the model '${model}' is configured.`,
      };
    return undefined;
  }
}

/** Only OpenAI-type providers take raw requests (`/v1/responses`). */
function passesThrough(t: ResolvedTarget): boolean {
  return t.instance.type === 'openai';
}

/** A passthrough caller's own Authorization, for the upstream call (OpenAI-type providers only reach it). */
export function passthroughOf(ctx: RequestContext): { clientAuthorization?: string } {
  return 'authorization' in ctx.caller ? { clientAuthorization: ctx.caller.authorization } : {};
}

export function resolved(t: ResolvedTarget): NonNullable<CallOutcome['resolved']> {
  return { provider: t.provider, model: t.model, price: t.price };
}

/** Milliseconds, to the microsecond. */
export function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}
