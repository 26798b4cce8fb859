import type { ModelTarget } from '../config.js';
import type { Provider, UpstreamFailure } from '../providers/provider.js';

/** A model target with its provider instance. */
export interface ResolvedTarget extends ModelTarget {
  instance: Provider;
}

/** One try of one target, for the audit line and provider health. */
export interface AttemptRecord {
  provider: string;
  model: string;
  ok: boolean;
  code?: string;
  status?: number;
  ms: number;
}

export interface DispatchOptions {
  retries: number;
  backoffMs: number;
  /** No answer (first chunk, or whole response) within this → the attempt is abandoned as a retryable timeout. */
  firstTokenTimeoutMs: number;
  /** Aborted when the client goes away or the total deadline passes. */
  signal: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Told of every attempt as it ends (provider health). */
  onAttempt?: (record: AttemptRecord) => void;
}

/** The attempt that started (or the last failure), the target it came from, and every try. */
export type DispatchResult<T> =
  | { ok: true; value: T; target: ResolvedTarget; signal: AbortSignal; tried: AttemptRecord[] }
  | { ok: false; failure: UpstreamFailure; target?: ResolvedTarget; tried: AttemptRecord[] };

export type Attempt<T> = { ok: true; value: T } | { ok: false; failure: UpstreamFailure };

/** A retry-after longer than this moves on to the next target instead of waiting. */
const MAX_RETRY_AFTER_WAIT_MS = 2_000;

/**
 * Tries the targets in order until one starts answering. A retryable failure (429, 5xx, connection error, no first
 * token in time) before the response starts is retried with backoff, then the next target is tried; after that, the
 * caller owns the stream and nothing is retried. Local models go through local/overflow.ts first, which calls this
 * for a spill.
 *
 * `signal` of a success stays live for the stream: it aborts on the client's abort or the total deadline.
 */
export async function dispatch<T>(
  targets: readonly ResolvedTarget[],
  attempt: (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: DispatchOptions,
): Promise<DispatchResult<T>> {
  const tried: AttemptRecord[] = [];
  const sleep = opts.sleep ?? abortableSleep;
  let last: { failure: UpstreamFailure; target: ResolvedTarget } | undefined;
  for (const target of targets) {
    for (let n = 0; n <= opts.retries; n++) {
      if (opts.signal.aborted) return aborted(opts.signal, tried, target);
      const { result, signal } = await tryOnce(target, attempt, opts);
      // The request ended (client gone, total deadline): that says nothing of the upstream, so nothing is recorded.
      if (opts.signal.aborted && !result.ok) return aborted(opts.signal, tried, target);
      tried.push(result.record);
      opts.onAttempt?.(result.record);
      if (result.ok) return { ok: true, value: result.value, target, signal, tried };
      last = { failure: result.failure, target };
      if (!result.failure.retryable) return { ok: false, ...last, tried };
      const wait = backoff(opts.backoffMs, n, result.failure.retryAfterMs);
      if (n === opts.retries || wait === undefined) break;
      await sleep(wait, opts.signal).catch(() => undefined);
    }
  }
  return last ? { ok: false, ...last, tried } : noTargets(tried);
}

/** One attempt under its first-token deadline, with its record. */
export async function tryOnce<T>(
  target: ResolvedTarget,
  attempt: (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: DispatchOptions,
): Promise<{ result: Attempt<T> & { record: AttemptRecord }; signal: AbortSignal }> {
  const now = opts.now ?? Date.now;
  const started = now();
  const { signal, started: markStarted } = attemptSignal(opts.signal, opts.firstTokenTimeoutMs);
  const result = timedOut(await attempt(target, signal), signal, opts.signal);
  markStarted();
  return { result: { ...result, record: recordOf(target, result, now() - started) }, signal };
}

/**
 * The attempt's signal: the request's, plus the first-token deadline, which stops counting once the attempt
 * answered (so a long stream is bounded by the total deadline only).
 */
function attemptSignal(parent: AbortSignal, firstTokenMs: number): { signal: AbortSignal; started: () => void } {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(
    () => controller.abort(new FirstTokenTimeout(`no first token within ${firstTokenMs} ms`)),
    firstTokenMs,
  );
  return { signal: controller.signal, started: () => clearTimeout(timer) };
}

export class FirstTokenTimeout extends Error {
  override name = 'FirstTokenTimeout';
}

/**
 * An attempt abandoned for its first-token deadline (not for the client) is the upstream's failure, retryable
 * elsewhere, whatever the provider made of the abort.
 */
function timedOut<T>(result: Attempt<T>, signal: AbortSignal, parent: AbortSignal): Attempt<T> {
  if (result.ok || parent.aborted || !(signal.reason instanceof FirstTokenTimeout)) return result;
  const message = signal.reason.message;
  return {
    ok: false,
    failure: { status: 504, type: 'timeout', code: 'first_token_timeout', message, retryable: true },
  };
}

function recordOf<T>(target: ResolvedTarget, result: Attempt<T>, ms: number): AttemptRecord {
  const base = { provider: target.provider, model: target.model, ms };
  return result.ok
    ? { ...base, ok: true }
    : { ...base, ok: false, code: result.failure.code, status: result.failure.status };
}

/** Exponential backoff with full jitter; undefined when the upstream asks for a longer wait than is worth it. */
export function backoff(
  baseMs: number,
  attempt: number,
  retryAfterMs?: number,
  random = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs > MAX_RETRY_AFTER_WAIT_MS ? undefined : retryAfterMs;
  const cap = baseMs * 2 ** attempt;
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** Why the request's signal aborted: its client left (499, as nginx logs it) or its total deadline passed (504). */
export class ClientGone extends Error {
  override name = 'ClientGone';
  constructor() {
    super('the client went away');
  }
}

export class TotalTimeout extends Error {
  override name = 'TotalTimeout';
}

/** The failure of a request whose own signal aborted: its client left, or its total deadline passed. */
export function aborted<T>(signal: AbortSignal, tried: AttemptRecord[], target: ResolvedTarget): DispatchResult<T> {
  const reason: unknown = signal.reason;
  const failure: UpstreamFailure =
    reason instanceof TotalTimeout
      ? { status: 504, type: 'timeout', code: 'total_timeout', message: reason.message, retryable: false }
      : {
          status: 499,
          type: 'client_closed',
          code: 'client_closed',
          message: 'the client went away',
          retryable: false,
        };
  return {
    ok: false,
    failure,
    target,
    tried,
  };
}

function noTargets<T>(tried: AttemptRecord[]): DispatchResult<T> {
  const failure = {
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'no target',
    retryable: false,
  };
  return { ok: false, failure, tried };
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
