import { describe, expect, it } from '@jest/globals';
import { AlertTotals, OTHER_SID } from './alert-aggregator.js';
import { foldCounters } from './counters.js';
import { parseStats } from './eve-parse.js';
import { STATS } from './testdata/eve-records.js';

const alert = (sid: number, action: 'alert' | 'drop') => ({
  sid,
  msg: 'm',
  action,
  srcIp: '10.0.0.5',
  destIp: '10.1.0.9',
  proto: 'TCP',
  timestamp: 't',
});

const totalsOf = (sids: [number, 'alert' | 'drop'][], maxSids?: number) => {
  const totals = new AlertTotals(maxSids);
  totals.add({ alerts: sids.map(([sid, action]) => alert(sid, action)), drops: 4, malformedLines: 2, skippedBytes: 9 });
  return totals.snapshot();
};

const QUEUES = [
  { queue: 0, portId: 100, waiting: 3, queueDropped: 10, userDropped: 1, idSequence: 500 },
  { queue: 1, portId: 101, waiting: 4, queueDropped: 20, userDropped: 2, idSequence: 600 },
];

describe('foldCounters', () => {
  it('folds alert totals, limiter, Suricata stats, kernel queues and queued packets into one flat record', () => {
    const counters = foldCounters({
      totals: totalsOf([
        [1000001, 'drop'],
        [1000001, 'drop'],
        [2000002, 'alert'],
      ]),
      stats: parseStats(STATS),
      queues: QUEUES,
      limiter: { emittedEvents: 5, suppressedEvents: 6 },
      queued: { packets: 12100, bytes: 9900000 },
    });
    expect(counters).toEqual({
      alerts: 1,
      drops: 2,
      dropEvents: 4,
      eveMalformedLines: 2,
      eveSkippedBytes: 9,
      eventsEmitted: 5,
      eventsSuppressed: 6,
      kernelQueues: 2,
      kernelQueueWaiting: 7,
      kernelQueueDropped: 30,
      kernelUserDropped: 3,
      'drops.sid.1000001': 2,
      'alerts.sid.2000002': 1,
      packetsInspected: 12004,
      bytesInspected: 9870012,
      ipsAccepted: 11990,
      ipsBlocked: 12,
      ipsRejected: 1,
      ipsReplaced: 0,
      bypassedLocalPackets: 700,
      bypassedLocalBytes: 650000,
      bypassedCapturePackets: 40,
      bypassedCaptureBytes: 5000,
      bypassedFlowsClosed: 3,
      detectAlerts: 37,
      detectAlertQueueOverflow: 0,
      detectAlertsSuppressed: 4,
      rulesLoaded: 31000,
      rulesFailed: 2,
      rulesSkipped: 5,
      queueRuleMatches: 12100,
      queuedBytes: 9900000,
    });
  });

  it('leaves out what is not known: no stats yet, no queue counters, no queued bytes', () => {
    const counters = foldCounters({
      totals: totalsOf([]),
      queues: [],
      limiter: { emittedEvents: 0, suppressedEvents: 0 },
      queued: { packets: 3 },
    });
    expect(
      Object.keys(counters).filter((k) => k.startsWith('ips') || k.includes('sid.') || k === 'queuedBytes'),
    ).toEqual([]);
    expect(counters).toMatchObject({ kernelQueues: 0, kernelQueueDropped: 0, queueRuleMatches: 3 });
    expect(counters.packetsInspected).toBeUndefined();
  });

  it('names the overflow bucket of sids like the others', () => {
    const counters = foldCounters({
      totals: totalsOf(
        [
          [1, 'drop'],
          [2, 'alert'],
          [3, 'drop'],
        ],
        1,
      ),
      queues: [],
      limiter: { emittedEvents: 0, suppressedEvents: 0 },
    });
    expect(counters[`drops.sid.${OTHER_SID}`]).toBe(1);
    expect(counters[`alerts.sid.${OTHER_SID}`]).toBe(1);
    expect(counters['drops.sid.1']).toBe(1);
  });
});
