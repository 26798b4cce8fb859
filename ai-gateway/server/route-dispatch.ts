import { dispatchLocal, type LocalDispatchOptions } from '../local/overflow.js';
import type { Call } from './call.js';
import { dispatch, type Attempt, type DispatchResult, type ResolvedTarget } from './dispatch.js';
import type { Route } from './runtime.js';

/**
 * A route's dispatch: a local model's goes through its overflow policy (the call keeps the local slot until it ends
 * and records the decision), any other tries its targets with retries and fallback.
 */
export async function dispatchRoute<T>(
  call: Call,
  route: Route,
  attempt: (target: ResolvedTarget, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: LocalDispatchOptions,
): Promise<DispatchResult<T>> {
  if (!route.local) return dispatch(route.targets, attempt, opts);
  const local = await dispatchLocal(route.local, attempt, opts);
  call.decided(local.decision, local.release);
  return local.result;
}
