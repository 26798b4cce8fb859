import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { describeDaemonAction, planDaemon, type DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonRevision } from '../../runtime/daemon/types.js';
import { queueHash } from './queue-rules.js';
import { SURICATA } from './suricata-daemon.js';
import type { IpsAction, IpsDesired, IpsObserved, QueueMechanism } from './types.js';

const MECHANISM_NAMES: Record<QueueMechanism, string> = {
  'nft-queue': "nft's queue statement",
  'xt-nfqueue': 'the xt NFQUEUE target (iptables-nft)',
};

/**
 * Suricata runs before any packet is queued to it, and leaves the path only after the queue rules are gone: enabling
 * never blackholes traffic (even failClosed) and disabling never leaves a queue without a reader. Pure.
 */
export function planIntrusionPrevention(desired: DesiredState<IpsDesired>, observed: IpsObserved): IpsAction[] {
  const revision = desiredRevision(desired);
  const { queue } = desired.spec;
  if (revision && (observed.unavailable || !observed.mechanism)) {
    const why = observed.unavailable ?? { reason: 'NoQueueMechanism', message: 'no NFQUEUE mechanism' };
    throw new ControllerError(why.reason, why.message, true);
  }
  const daemon = planDaemon(revision, observed.daemon);
  const mechanism = observed.mechanism;
  if (!revision || !queue || !mechanism)
    return [...(observed.queue.present && mechanism ? [{ type: 'unqueue' as const, mechanism }] : []), ...daemon];
  const inSync = observed.queue.intact && observed.queue.hash === queueHash(queue);
  // A Suricata that never ran (or is between crash restarts) gets no new queue rules: the rules go in once it serves.
  const serving = observed.daemon.phase === 'running' || daemon.some(startsProcess);
  return [...daemon, ...(inSync || !serving ? [] : [{ type: 'queue' as const, queue, mechanism }])];
}

function startsProcess(a: DaemonAction): boolean {
  return a.type === 'start' || a.type === 'restart' || a.type === 'reload';
}

/** The revision the kit should run, carrying the generation it was rendered from; none when the IPS is off. */
export function desiredRevision(desired: DesiredState<IpsDesired>): DaemonRevision | undefined {
  const { revision, enabled } = desired.spec;
  if (!enabled || !revision) return undefined;
  return desired.generation !== undefined ? { ...revision, generation: desired.generation } : revision;
}

export function describeAction(action: IpsAction): string {
  if (action.type === 'queue') {
    const { first, count, bypass } = action.queue;
    const queues = count === 1 ? `queue ${first}` : `queues ${first}-${first + count - 1}`;
    return `queue forwarded traffic to Suricata (${queues}, ${bypass ? 'fail open' : 'fail closed'}) through ${MECHANISM_NAMES[action.mechanism]}`;
  }
  if (action.type === 'unqueue') return `take Suricata out of the forward path (${MECHANISM_NAMES[action.mechanism]})`;
  return describeDaemonAction(SURICATA, action);
}
