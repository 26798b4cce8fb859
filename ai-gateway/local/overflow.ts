import type { OverflowConfig } from '../config.js';
import type { UpstreamFailure } from '../providers/provider.js';
import {
  abortableSleep,
  aborted,
  TotalTimeout,
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

export interface LocalDispatchOptions extends DispatchOptions {
  /**
   * A streamed answer: the local first-token timeout bounds its first chunk. A whole answer (not streamed, or
   * embeddings) shows no token before its last, so only the caller's own deadline bounds it, as for remote targets.
   */
  streamed?: boolean;
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
  attempt: AttemptFn<T>,
  opts: LocalDispatchOptions,
): Promise<LocalDispatch<T>> {
  const now = opts.now ?? (() => performance.now());
  const deadline = now() + route.overflow.queue.maxWaitMs;
  const progress: Progress = { tried: [], queuedMs: 0 };
  for (let n = 0; ; n++) {
    const slot = await takeSlot(route, opts.signal, deadline - now(), progress);
    if ('refused' in slot)
      return slot.refused === 'at_capacity'
        ? overflowed(route, { reason: 'at_capacity' }, attempt, opts, progress)
        : refusedInQueue(route, slot.refused, opts.signal, progress);
    const tried = await tryLocal(route, attempt, opts, slot.release, progress);
    if ('done' in tried) return tried.done;
    const { failure } = tried;
    const wait = Math.min(backoff(QUEUE_RETRY_MS, Math.min(n, 5)) ?? QUEUE_RETRY_MS, deadline - now());
    if (route.overflow.policy !== 'queue' || wait <= 0)
      return overflowed(route, { reason: failure.code, failure }, attempt, opts, progress);
    const before = now();
    await abortableSleep(wait, opts.signal).catch(() => undefined);
    progress.queuedMs += Math.round(now() - before);
  }
}

type AttemptFn<T> = (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>;

/** What a local dispatch has done so far: its tries, and how long it waited (in the queue, or for the server). */
interface Progress {
  tried: AttemptRecord[];
  queuedMs: number;
}

/** A slot now; under `queue` one within the wait left; else why none. */
async function takeSlot(
  route: LocalRoute,
  signal: AbortSignal,
  waitMs: number,
  progress: Progress,
): Promise<{ release: Release } | { refused: QueueRefusal | 'at_capacity' }> {
  const release = route.capacity.tryAcquire();
  if (release) return { release };
  if (route.overflow.policy !== 'queue') return { refused: 'at_capacity' };
  const got = await route.capacity.acquire({ ...route.overflow.queue, maxWaitMs: Math.max(0, waitMs) }, signal);
  progress.queuedMs += got.queuedMs;
  return got.ok ? { release: got.release } : { refused: got.why };
}

/**
 * One try of the local server in a slot: the dispatch's end (an answer, the request's own mistake, or the request
 * gone), or a pre-first-token failure the policy decides on. The slot goes with an answer, else it is released.
 */
async function tryLocal<T>(
  route: LocalRoute,
  attempt: AttemptFn<T>,
  opts: LocalDispatchOptions,
  release: Release,
  progress: Progress,
): Promise<{ done: LocalDispatch<T> } | { failure: UpstreamFailure }> {
  const { overflow, target } = route;
  const firstTokenTimeoutMs = opts.streamed
    ? Math.min(overflow.firstTokenTimeoutMs, opts.firstTokenTimeoutMs)
    : opts.firstTokenTimeoutMs;
  // A request that ended (client gone, total deadline) while it waited is not sent at all; one that ended during its
  // try says nothing of the server, so nothing is recorded.
  const tri = opts.signal.aborted ? undefined : await tryOnce(target, attempt, { ...opts, firstTokenTimeoutMs });
  if (!tri || (opts.signal.aborted && !tri.result.ok)) {
    release();
    const result = aborted<T>(opts.signal, progress.tried, target);
    return { done: { result, decision: decided(route, 'rejected', progress.queuedMs) } };
  }
  const { result, signal } = tri;
  progress.tried.push(result.record);
  opts.onAttempt?.(result.record);
  const served = decided(route, 'served', progress.queuedMs);
  if (result.ok) {
    const answer = { ok: true as const, value: result.value, target, signal, tried: progress.tried };
    return { done: { result: answer, decision: served, release } };
  }
  release();
  // The client's own mistake (400, 404): the local answer stands, and a bad request is never sent elsewhere. A body
  // cut short after a 2xx means the server had started answering: that is not a pre-first-token failure either.
  if (!result.failure.retryable || result.failure.code === ANSWER_CUT_SHORT)
    return {
      done: { result: { ok: false, failure: result.failure, target, tried: progress.tried }, decision: served },
    };
  return { failure: result.failure };
}

/** The OpenAI provider's code for a 2xx whose body did not arrive whole. */
const ANSWER_CUT_SHORT = 'upstream_bad_response';

/** The local server cannot take it: the fallback under `spill`, else an error naming why (nothing leaves). */
async function overflowed<T>(
  route: LocalRoute,
  why: { reason: string; failure?: UpstreamFailure },
  attempt: AttemptFn<T>,
  opts: DispatchOptions,
  progress: Progress,
): Promise<LocalDispatch<T>> {
  const { overflow } = route;
  const { tried, queuedMs } = progress;
  if (overflow.policy === 'spill' && overflow.fallback && route.fallback.length > 0) {
    const spilled = await dispatch(route.fallback, attempt, opts);
    const result = { ...spilled, tried: [...tried, ...spilled.tried] };
    const decision = { ...decided(route, 'spilled', queuedMs), spilledTo: overflow.fallback.model, reason: why.reason };
    return { result, decision };
  }
  const error = why.reason === 'at_capacity' ? atCapacity(route) : unavailable(route, why.failure);
  return {
    result: { ok: false, failure: error, target: route.target, tried },
    decision: { ...decided(route, 'rejected', queuedMs), reason: why.reason },
  };
}

function refusedInQueue<T>(
  route: LocalRoute,
  why: QueueRefusal,
  signal: AbortSignal,
  progress: Progress,
): LocalDispatch<T> {
  const { tried, queuedMs } = progress;
  // A waiter leaves on its request's signal: its client went away, or its total deadline passed while it waited.
  const reason = why === 'client_gone' && signal.reason instanceof TotalTimeout ? 'total_timeout' : why;
  const decision = { ...decided(route, 'rejected', queuedMs), reason };
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
