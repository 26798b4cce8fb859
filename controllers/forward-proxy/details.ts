import type { ConditionInput, DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
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
    ...(daemon.phase === 'running' && revision ? { listening: revision.listen } : {}),
    ...(daemon.running
      ? {
          running: {
            generation: daemon.running.generation,
            hash: daemon.running.hash,
            pid: daemon.pid,
            since: daemon.since,
          },
        }
      : {}),
    ...(daemon.installedHash ? { installedHash: daemon.installedHash } : {}),
    domainFilters: sources.domainFilters,
    ...(sources.authentication ? { authentication: sources.authentication } : {}),
    counters: observed.counters,
    crashes: {
      recent: daemon.crashes.recent,
      ...(daemon.crashes.lastExit ? { lastExit: daemon.crashes.lastExit } : {}),
    },
    ...(daemon.lastCheckError ? { lastValidationError: daemon.lastCheckError } : {}),
  };
}

/** CrashLoop, and Ready=False whenever the proxy is enabled but not serving. */
export function proxyConditions(
  desired: DesiredState<ForwardProxyDesired>,
  observed: ForwardProxyObserved,
): ConditionInput[] {
  const { daemon } = observed;
  return [crashLoop(daemon), ...(desired.spec.enabled && daemon.phase !== 'running' ? [notServing(daemon)] : [])];
}

function crashLoop(daemon: DaemonObservation): ConditionInput {
  const { recent, windowSeconds, loop, lastExit, restartAt } = daemon.crashes;
  const within = `within ${windowSeconds} s`;
  if (!loop) return { type: 'CrashLoop', status: 'False', reason: 'Stable', message: `${recent} crash(es) ${within}` };
  const next = restartAt ? `; next restart at ${restartAt}` : '';
  return {
    type: 'CrashLoop',
    status: 'True',
    reason: 'CrashLoop',
    message: `squid crashed ${recent} times ${within} (last: ${lastExit ?? 'unknown'})${next}`,
  };
}

const NOT_SERVING: Record<Exclude<DaemonObservation['phase'], 'running'>, string> = {
  stopped: 'DaemonStopped',
  starting: 'DaemonStarting',
  unhealthy: 'DaemonUnhealthy',
  backoff: 'RestartBackOff',
};

function notServing(daemon: DaemonObservation): ConditionInput {
  const phase = daemon.phase === 'running' ? 'starting' : daemon.phase;
  return {
    type: 'Ready',
    status: 'False',
    reason: daemon.crashes.loop && phase === 'backoff' ? 'CrashLoopBackOff' : NOT_SERVING[phase],
    message: notServingMessage(daemon),
  };
}

function notServingMessage(daemon: DaemonObservation): string {
  const { lastExit, restartAt } = daemon.crashes;
  if (daemon.phase === 'backoff') return `squid ${lastExit ?? 'exited'}; restarting at ${restartAt ?? 'once allowed'}`;
  if (daemon.phase === 'stopped') return 'squid is not running';
  return daemon.health?.message ?? `squid is ${daemon.phase}`;
}
