import type { ConditionInput, DesiredState } from '../../runtime/controller.js';
import { daemonConditions } from '../../runtime/daemon/conditions.js';
import { daemonDetails } from '../../runtime/daemon/details.js';
import { desiredRevision } from './plan.js';
import { SQUID } from './squid-daemon.js';
import type { ForwardProxyDesired, ForwardProxyObserved } from './types.js';

/**
 * Status details: what runs (generation, revision hash, pid), where it listens, what it did (counters, also
 * exported as csgw_controller_counter), and where its config came from. Never a secret value.
 */
export function proxyDetails(
  desired: DesiredState<ForwardProxyDesired>,
  observed: ForwardProxyObserved,
): Record<string, unknown> {
  const { daemon } = observed;
  const { revision, sources } = desired.spec;
  if (!desired.spec.enabled) return { enabled: false, phase: daemon.phase };
  return {
    enabled: true,
    phase: daemon.phase,
    // Only for the desired revision: after a roll back squid listens where the revision it fell back to said.
    ...(daemon.phase === 'running' && daemon.running?.hash === revision?.hash ? { listening: revision?.listen } : {}),
    domainFilters: sources.domainFilters,
    ...(sources.authentication ? { authentication: sources.authentication } : {}),
    counters: observed.counters,
    ...daemonDetails(daemon, revision?.hash),
  };
}

/** The kit's conditions: CrashLoop, Ready=False while enabled but not serving, Degraded RolledBack. */
export function proxyConditions(
  desired: DesiredState<ForwardProxyDesired>,
  observed: ForwardProxyObserved,
): ConditionInput[] {
  return daemonConditions(SQUID, desiredRevision(desired), observed.daemon);
}
