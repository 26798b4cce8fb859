import type { OverflowConfig } from '../config.js';
import type { UpstreamFailure } from '../providers/provider.js';
import {
  abortableSleep,
  aborted,
  backoff,
  dispatch,
  tryOnce,
  type Attempt,
  type AttemptRecord,
  type DispatchOptions,
  type DispatchResult,
  type ResolvedTarget,
} from '../server/dispatch.js';
import type { LocalCapacity, QueueRefusal, Release } from './capacity.js';

/** A `local/<name>` route: the vLLM server's target, its capacity, its overflow policy and the spill's targets. */
export interface LocalRoute {
  target: ResolvedTarget;
  capacity: LocalCapacity;
  overflow: OverflowConfig;
  /** The fallback's targets, resolved; empty when there is none (a spill then rejects: nothing leaves). */
  fallback: ResolvedTarget[];
}

/** What the policy decided, for the audit line: served here (after queueing N ms), spilled to X, or rejected. */
export interface OverflowDecision {
  policy: OverflowConfig['policy'];
  decision: 'served' | 'spilled' | 'rejected';
  queuedMs: number;
  spilledTo?: string;
  /** Why the request did not stay local (at_capacity, connection_error, first_token_timeout, queue_timeout, ...). */
  reason?: string;
}

export interface LocalDispatch<T> {
  result: DispatchResult<T>;
  decision: OverflowDecision;
  /** The local slot, held until the answer ends; absent when the answer is not local. */
  release?: Release;
}

/** First backoff between tries of a failed local server while a request waits under `queue`. */
const QUEUE_RETRY_MS = 200;

/**
 * Sends a request to the local server under its overflow policy, deciding everything before the first token: at
 * capacity or on a pre-first-token failure (refused, 429/5xx before any byte, no first token in time), `queue` waits
 * in the FIFO (and for a failed server to come back) up to its maximum wait, `spill` goes to the fallback, `reject`
 * answers at once. With no fallback a spill rejects: no target outside the instance is ever tried. Once the local
 * server has answered, nothing is re-sent anywhere.
 */
export async function dispatchLocal<T>(
  route: LocalRoute,
  attempt: (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: DispatchOptions,
): Promise<LocalDispatch<T>> {
  const { overflow, capacity } = route;
  const now = opts.now ?? (() => performance.now());
  const deadline = now() + overflow.queue.maxWaitMs;
  const tried: AttemptRecord[] = [];
  let queuedMs = 0;
  for (let n = 0; ; n++) {
    let release = capacity.tryAcquire();
    if (!release) {
      if (overflow.policy !== 'queue')
        return overflowed(route, attempt, opts, { reason: 'at_capacity', tried, queuedMs });
      const got = await capacity.acquire({ ...overflow.queue, maxWaitMs: Math.max(0, deadline - now()) }, opts.signal);
      if (!got.ok) return refusedInQueue(route, got.why, opts.signal, tried, queuedMs);
      release = got.release;
      queuedMs += got.queuedMs;
    }
    const { result, signal } = await tryOnce(route.target, attempt, {
      ...opts,
      firstTokenTimeoutMs: Math.min(overflow.firstTokenTimeoutMs, opts.firstTokenTimeoutMs),
    });
    if (opts.signal.aborted && !result.ok) {
      release();
      return { result: aborted(opts.signal, tried, route.target), decision: decided(route, 'rejected', queuedMs) };
    }
    tried.push(result.record);
    opts.onAttempt?.(result.record);
    const served = decided(route, 'served', queuedMs);
    if (result.ok) return { result: { ...result, target: route.target, signal, tried }, decision: served, release };
    release();
    // The client's own mistake (400, 404): the local answer stands, and a bad request is never sent elsewhere.
    if (!result.failure.retryable)
      return { result: { ok: false, failure: result.failure, target: route.target, tried }, decision: served };
    const wait = Math.min(backoff(QUEUE_RETRY_MS, Math.min(n, 5)) ?? QUEUE_RETRY_MS, deadline - now());
    if (overflow.policy !== 'queue' || wait <= 0)
      return overflowed(route, attempt, opts, {
        reason: result.failure.code,
        tried,
        queuedMs,
        failure: result.failure,
      });
    const before = now();
    await abortableSleep(wait, opts.signal).catch(() => undefined);
    queuedMs += Math.round(now() - before);
  }
}

/** The local server cannot take it: the fallback under `spill`, else an error naming why (nothing leaves). */
async function overflowed<T>(
  route: LocalRoute,
  attempt: (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: DispatchOptions,
  why: { reason: string; tried: AttemptRecord[]; queuedMs: number; failure?: UpstreamFailure },
): Promise<LocalDispatch<T>> {
  const { overflow } = route;
  const { reason, tried, queuedMs, failure } = why;
  if (overflow.policy === 'spill' && overflow.fallback && route.fallback.length > 0) {
    const spilled = await dispatch(route.fallback, attempt, opts);
    const result = { ...spilled, tried: [...tried, ...spilled.tried] };
    return { result, decision: { ...decided(route, 'spilled', queuedMs), spilledTo: overflow.fallback.model, reason } };
  }
  const error = reason === 'at_capacity' ? atCapacity(route) : unavailable(route, failure);
  return {
    result: { ok: false, failure: error, target: route.target, tried },
    decision: { ...decided(route, 'rejected', queuedMs), reason },
  };
}

function refusedInQueue<T>(
  route: LocalRoute,
  why: QueueRefusal,
  signal: AbortSignal,
  tried: AttemptRecord[],
  queuedMs: number,
): LocalDispatch<T> {
  const decision = { ...decided(route, 'rejected', queuedMs), reason: why };
  if (why === 'client_gone') return { result: aborted(signal, tried, route.target), decision };
  const { maxSize, maxWaitMs } = route.overflow.queue;
  const failure: UpstreamFailure =
    why === 'queue_full'
      ? {
          status: 429,
          type: 'rate_limit_error',
          code: 'local_queue_full',
          message: `The local model's queue is full (${maxSize} waiting); try again later.`,
          retryable: false,
          retryAfterMs: 1000,
        }
      : {
          status: 503,
          type: 'upstream_error',
          code: 'local_queue_timeout',
          message: `The local model had no capacity within ${maxWaitMs / 1000} s.`,
          retryable: false,
        };
  return { result: { ok: false, failure, target: route.target, tried }, decision };
}

function atCapacity(route: LocalRoute): UpstreamFailure {
  return {
    status: 429,
    type: 'rate_limit_error',
    code: 'local_capacity',
    message: `The local model is at capacity and its overflow policy (${describePolicy(route)}) keeps the request here.`,
    retryable: false,
    retryAfterMs: 1000,
  };
}

function unavailable(route: LocalRoute, failure: UpstreamFailure | undefined): UpstreamFailure {
  const why = failure ? `${failure.code}: ${failure.message}` : 'no answer';
  return {
    status: 503,
    type: 'upstream_error',
    code: 'local_unavailable',
    message: `The local model could not start an answer (${why}); its overflow policy (${describePolicy(route)}) keeps the request here.`,
    retryable: false,
  };
}

function describePolicy(route: LocalRoute): string {
  const { policy, fallback } = route.overflow;
  return policy === 'spill' && !fallback ? 'spill with no fallback' : policy;
}

function decided(route: LocalRoute, decision: OverflowDecision['decision'], queuedMs: number): OverflowDecision {
  return { policy: route.overflow.policy, decision, queuedMs };
}
