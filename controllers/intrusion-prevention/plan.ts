import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import {
  describeDaemonAction,
  planDaemon,
  rollbackTarget,
  sameStartArgs,
  type DaemonAction,
} from '../../runtime/daemon/plan.js';
import type { DaemonRevision } from '../../runtime/daemon/types.js';
import { queueHash } from './queue-rules.js';
import { SURICATA } from './suricata-daemon.js';
import type { IpsAction, IpsDesired, IpsObserved, QueueMechanism, QueueSpec } from './types.js';

/** Past this size eve.json is rotated (every alert was counted; stats records alone add ~2 KB/s). */
export const EVE_ROTATE_BYTES = 64 * 1024 * 1024;

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
  assertPlannable(revision, observed);
  const daemon = planDaemon(revision, observed.daemon);
  const mechanism = observed.mechanism;
  if (!revision || !queue || !mechanism)
    return [...(observed.queue.present && mechanism ? [{ type: 'unqueue' as const, mechanism }] : []), ...daemon];
  const rotate = observed.eveBytes > EVE_ROTATE_BYTES ? [{ type: 'rotateLogs' as const }] : [];
  // A roll back runs the last healthy revision: with other queue numbers, the new queue rules would send traffic to
  // queues nobody reads. The rules it ran with stay until the desired revision goes live.
  const fallback = rollbackTarget(revision, observed.daemon);
  const queues = fallback && !sameStartArgs(fallback, revision) ? [] : planQueue(queue, mechanism, observed, daemon);
  return [...daemon, ...queues, ...rotate];
}

/**
 * Inert (retried slowly) when the IPS is wanted on a host that cannot run it, or when Suricata would be stopped
 * without a way to see (and remove) queue rules an earlier run left: they would be stranded without a reader.
 */
function assertPlannable(revision: DaemonRevision | undefined, observed: IpsObserved): void {
  if (revision && (observed.unavailable || !observed.mechanism)) {
    const why = observed.unavailable ?? { reason: 'NoQueueMechanism', message: 'no NFQUEUE mechanism' };
    throw new ControllerError(why.reason, why.message, true);
  }
  if (!revision && !observed.mechanism && observed.daemon.phase !== 'stopped')
    throw new ControllerError('NoQueueMechanism', 'cannot check the queue rules before stopping Suricata', true);
}

/** The queue rules, once Suricata serves: one that never ran (or is between crash restarts) gets no new rules. */
function planQueue(
  queue: QueueSpec,
  mechanism: QueueMechanism,
  observed: IpsObserved,
  daemon: readonly DaemonAction[],
): IpsAction[] {
  const inSync = observed.queue.intact && observed.queue.hash === queueHash(queue);
  const serving = observed.daemon.phase === 'running' || daemon.some(startsProcess);
  return inSync || !serving ? [] : [{ type: 'queue', queue, mechanism }];
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
  if (action.type === 'rotateLogs') return 'rotate eve.json and suricata.log';
  if (action.type === 'unqueue') return `take Suricata out of the forward path (${MECHANISM_NAMES[action.mechanism]})`;
  return describeDaemonAction(SURICATA, action);
}
