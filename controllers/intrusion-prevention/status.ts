import type { ConditionInput, DesiredState } from '../../runtime/controller.js';
import { daemonConditions } from '../../runtime/daemon/conditions.js';
import { daemonDetails } from '../../runtime/daemon/details.js';
import { desiredRevision } from './plan.js';
import { SURICATA } from './suricata-daemon.js';
import type { IpsDesired, IpsObserved } from './types.js';

/**
 * Status details: mode, mechanism, queues and which have a reader, the rules (configured, loaded, failed, the last
 * refused candidate's error), where they came from, counters (exported as csgw_controller_counter), and whether the
 * desired change needs a restart rather than a rule reload. Never a payload or anything a packet carried.
 */
export function ipsDetails(desired: DesiredState<IpsDesired>, observed: IpsObserved): Record<string, unknown> {
  const { daemon } = observed;
  const { revision, queue, sources, mode, failureMode } = desired.spec;
  const mechanism = observed.mechanism ?? 'none';
  if (!desired.spec.enabled) return { enabled: false, mechanism, phase: daemon.phase };
  const running = daemon.running;
  const restart =
    running && revision && running.hash !== revision.hash && running.restartKey !== revision.restartKey
      ? {
          restartRequired:
            'the change is one a rule reload cannot take (queues, failure mode, paths): Suricata restarts',
        }
      : {};
  return {
    enabled: true,
    mode,
    failureMode,
    mechanism,
    phase: daemon.phase,
    ...(queue
      ? {
          queues: {
            first: queue.first,
            count: queue.count,
            bound: observed.boundQueues,
            rulesInstalled: observed.queue.intact,
          },
        }
      : {}),
    rules: {
      configured: revision?.ruleCount ?? 0,
      ...(observed.rules ? { loaded: observed.rules.loaded, failed: observed.rules.failed } : {}),
      ...(daemon.lastCheckError ? { lastError: daemon.lastCheckError } : {}),
    },
    ...restart,
    domainFilters: sources.domainFilters,
    ruleSets: sources.ruleSets,
    counters: observed.counters,
    ...daemonDetails(daemon, revision?.hash),
  };
}

/**
 * The kit's conditions, plus what a Suricata that does not serve means for traffic: failOpen passes it uninspected
 * (Degraded FailingOpen), failClosed drops it (Degraded FailingClosed); and a serving Suricata that does not read
 * every queue (Degraded QueueUnbound).
 */
export function ipsConditions(desired: DesiredState<IpsDesired>, observed: IpsObserved): ConditionInput[] {
  const base = daemonConditions(SURICATA, desiredRevision(desired), observed.daemon);
  const { queue, failureMode, enabled } = desired.spec;
  if (!enabled || !queue || !observed.queue.present) return base;
  if (observed.daemon.phase !== 'running') {
    const open = failureMode === 'failOpen';
    const message = open
      ? 'Suricata is not serving: the kernel passes queued traffic uninspected (failOpen) until it is back'
      : 'Suricata is not serving: queued traffic is dropped (failClosed) until it is back';
    return [...base, { type: 'Degraded', status: 'True', reason: open ? 'FailingOpen' : 'FailingClosed', message }];
  }
  const unbound = Array.from({ length: queue.count }, (_, i) => queue.first + i).filter(
    (q) => !observed.boundQueues.includes(q),
  );
  if (unbound.length === 0) return base;
  const message = `no reader on queue(s) ${unbound.join(', ')}: their traffic is ${failureMode === 'failOpen' ? 'passed uninspected' : 'dropped'}`;
  return [...base, { type: 'Degraded', status: 'True', reason: 'QueueUnbound', message }];
}
