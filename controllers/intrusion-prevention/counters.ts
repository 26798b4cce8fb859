/**
 * The flat counters of an IntrusionPrevention's status (`counters`, exported as csgw_controller_counter{counter=...}).
 * A counter whose source is not known yet (no stats record, a Suricata without that counter) is left out rather than
 * reported as 0.
 */
import type { AlertTotalsSnapshot, EventLimiterCounts } from './alert-aggregator.js';
import type { EveStats } from './eve-log.js';
import type { NfqueueStat } from './nfqueue-stats.js';

export interface CounterInputs {
  totals: AlertTotalsSnapshot;
  /** The latest eve stats record (Suricata's counters since it started), if one was read. */
  stats?: EveStats;
  queues: readonly NfqueueStat[];
  limiter: Pick<EventLimiterCounts, 'emittedEvents' | 'suppressedEvents'>;
  /** What the gateway's rules sent to the queue (their nft counters), when known. */
  queued?: { packets: number; bytes?: number };
}

/** Counter name -> EveStats field, in the order they are listed. */
const STATS_COUNTERS: [string, keyof EveStats][] = [
  ['packetsInspected', 'decoderPkts'],
  ['bytesInspected', 'decoderBytes'],
  ['ipsAccepted', 'ipsAccepted'],
  ['ipsBlocked', 'ipsBlocked'],
  ['ipsRejected', 'ipsRejected'],
  ['ipsReplaced', 'ipsReplaced'],
  ['bypassedLocalPackets', 'bypassedLocalPkts'],
  ['bypassedLocalBytes', 'bypassedLocalBytes'],
  ['bypassedCapturePackets', 'bypassedCapturePkts'],
  ['bypassedCaptureBytes', 'bypassedCaptureBytes'],
  ['bypassedFlowsClosed', 'bypassedFlowsClosed'],
  ['detectAlerts', 'detectAlerts'],
  ['detectAlertQueueOverflow', 'alertQueueOverflow'],
  ['detectAlertsSuppressed', 'alertsSuppressed'],
  ['rulesLoaded', 'rulesLoaded'],
  ['rulesFailed', 'rulesFailed'],
  ['rulesSkipped', 'rulesSkipped'],
];

function sum(queues: readonly NfqueueStat[], field: keyof NfqueueStat): number {
  return queues.reduce((total, queue) => total + queue[field], 0);
}

/**
 * Folds everything into one record: alert totals (`alerts`/`drops` are alert records by action, `dropEvents` eve
 * drop records, `alerts.sid.<sid>`/`drops.sid.<sid>` per sid when not 0), the limiter's event counts, Suricata's
 * stats and the kernel queue counters summed over the bound queues.
 */
export function foldCounters(input: CounterInputs): Record<string, number> {
  const { totals, stats, queues, limiter, queued } = input;
  const counters: Record<string, number> = {
    alerts: totals.alerts,
    drops: totals.drops,
    dropEvents: totals.dropEvents,
    eveMalformedLines: totals.malformedLines,
    eveSkippedBytes: totals.skippedBytes,
    eventsEmitted: limiter.emittedEvents,
    eventsSuppressed: limiter.suppressedEvents,
    kernelQueues: queues.length,
    kernelQueueWaiting: sum(queues, 'waiting'),
    kernelQueueDropped: sum(queues, 'queueDropped'),
    kernelUserDropped: sum(queues, 'userDropped'),
  };
  for (const [sid, counts] of Object.entries(totals.bySid)) {
    if (counts.alerts > 0) counters[`alerts.sid.${sid}`] = counts.alerts;
    if (counts.drops > 0) counters[`drops.sid.${sid}`] = counts.drops;
  }
  for (const [name, field] of STATS_COUNTERS) {
    const value = stats?.[field];
    if (typeof value === 'number') counters[name] = value;
  }
  if (queued) {
    counters.queueRuleMatches = queued.packets;
    if (queued.bytes !== undefined) counters.queuedBytes = queued.bytes;
  }
  return counters;
}
