import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { describeDaemonAction, planDaemon } from '../../runtime/daemon/plan.js';
import type { DaemonRevision } from '../../runtime/daemon/types.js';
import { SQUID } from './squid-daemon.js';
import type { ForwardProxyAction, ForwardProxyDesired, ForwardProxyObserved } from './types.js';

/** Past this size the access log is rotated (squid reopens it; the operator has counted every line). */
export const ACCESS_LOG_ROTATE_BYTES = 64 * 1024 * 1024;

/** The process plan is the daemon kit's (planDaemon); what is squid's own is rotating its access log. Pure. */
export function planForwardProxy(
  desired: DesiredState<ForwardProxyDesired>,
  observed: ForwardProxyObserved,
): ForwardProxyAction[] {
  const revision = desiredRevision(desired);
  // Inert: nothing to retry soon on a host without squid; the probe runs again on the slow retry.
  if (revision && observed.unavailable)
    throw new ControllerError(observed.unavailable.reason, observed.unavailable.message, true);
  // After the process actions: a squid started by them opens the fresh log, a running one reopens it.
  const rotate: ForwardProxyAction[] =
    revision && observed.accessLogBytes > ACCESS_LOG_ROTATE_BYTES ? [{ type: 'rotateLogs' }] : [];
  return [...planDaemon(revision, observed.daemon), ...rotate];
}

/** The revision the kit should run, carrying the generation it was rendered from; none when the proxy is off. */
export function desiredRevision(desired: DesiredState<ForwardProxyDesired>): DaemonRevision | undefined {
  const { revision, enabled } = desired.spec;
  if (!enabled || !revision) return undefined;
  return desired.generation !== undefined ? { ...revision, generation: desired.generation } : revision;
}

export function describeAction(action: ForwardProxyAction): string {
  return action.type === 'rotateLogs' ? 'rotate the access log' : describeDaemonAction(SQUID, action);
}
