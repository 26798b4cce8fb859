import { describe, expect, it } from '@jest/globals';
import { AlertTotals, EventLimiter, OTHER_SID, type IntrusionEvent } from './alert-aggregator.js';
import type { EveAlert } from './eve-log.js';

const alert = (sid: number, action: EveAlert['action'] = 'drop', extra: Partial<EveAlert> = {}): EveAlert => ({
  sid,
  msg: `rule ${sid}`,
  action,
  srcIp: '10.0.0.5',
  srcPort: 51514,
  destIp: '10.1.0.9',
  destPort: 80,
  proto: 'TCP',
  timestamp: '2026-12-07T04:30:01.123456+0000',
  ...extra,
});

const batch = (alerts: EveAlert[], drops = 0, malformedLines = 0, skippedBytes = 0) => ({
  alerts,
  drops,
  malformedLines,
  skippedBytes,
});

describe('AlertTotals', () => {
  it('counts alerts and drops per sid and in total, with the eve drop, malformed and skipped counts', () => {
    const totals = new AlertTotals();
    totals.add(batch([alert(1, 'drop'), alert(1, 'drop'), alert(2, 'alert')], 3, 1, 10));
    totals.add(batch([alert(1, 'alert')], 1, 0, 5));
    expect(totals.snapshot()).toEqual({
      alerts: 2,
      drops: 2,
      dropEvents: 4,
      malformedLines: 1,
      skippedBytes: 15,
      bySid: { '1': { alerts: 1, drops: 2 }, '2': { alerts: 1, drops: 0 } },
    });
  });

  it('keeps the first maxSids sids apart and counts later ones as other, every counter only growing', () => {
    const totals = new AlertTotals(3);
    totals.add(batch([1, 2, 3, 4, 5, 1, 4].map((sid) => alert(sid))));
    const first = totals.snapshot();
    expect(Object.keys(first.bySid).sort()).toEqual(['1', '2', '3', OTHER_SID]);
    expect(first.bySid[OTHER_SID]).toEqual({ alerts: 0, drops: 3 });
    expect(first.bySid['1']).toEqual({ alerts: 0, drops: 2 });
    totals.add(batch([alert(6, 'alert'), alert(2)]));
    expect(totals.snapshot().bySid).toEqual({
      '1': { alerts: 0, drops: 2 },
      '2': { alerts: 0, drops: 2 },
      '3': { alerts: 0, drops: 1 },
      [OTHER_SID]: { alerts: 1, drops: 3 },
    });
  });

  it('hands out copies: a snapshot does not change with later alerts', () => {
    const totals = new AlertTotals();
    totals.add(batch([alert(1)]));
    const before = totals.snapshot();
    totals.add(batch([alert(1)]));
    expect(before.bySid['1']).toEqual({ alerts: 0, drops: 1 });
    expect(before.drops).toBe(1);
  });
});

describe('EventLimiter', () => {
  const limiterAt = (options = {}) => {
    let now = 1_000_000;
    const limiter = new EventLimiter(() => now, options);
    return { limiter, advance: (ms: number) => (now += ms) };
  };

  it('reports the first alerts of a sid at once, with the last flow, as IntrusionPrevented for drops', () => {
    const { limiter } = limiterAt();
    const events = limiter.limit([alert(1000001, 'drop', { msg: 'LOCAL block admin path' })]);
    expect(events).toEqual([
      {
        type: 'Warning',
        reason: 'IntrusionPrevented',
        sid: 1000001,
        action: 'drop',
        count: 1,
        message:
          'sid 1000001 "LOCAL block admin path" matched 1 time in the last 1 s ' +
          '(action drop; last 10.0.0.5:51514 -> 10.1.0.9:80 tcp)',
      },
    ]);
  });

  it('coalesces a sid inside its window into the next event, counting the time since the previous one', () => {
    const { limiter, advance } = limiterAt();
    expect(limiter.limit([alert(7, 'alert')])).toHaveLength(1);
    advance(10_000);
    expect(limiter.limit([alert(7, 'alert'), alert(7, 'alert')])).toEqual([]);
    advance(20_000);
    expect(limiter.limit([])).toEqual([]);
    advance(30_000);
    const last = alert(7, 'alert', { srcIp: '2001:db8::5', srcPort: 40000, destIp: '2001:db8::9', destPort: 443 });
    const [event] = limiter.limit([alert(7, 'alert'), last]);
    expect(event).toMatchObject({ reason: 'IntrusionDetected', count: 4 });
    expect(event?.message).toBe(
      'sid 7 "rule 7" matched 4 times in the last 60 s (action alert; last [2001:db8::5]:40000 -> [2001:db8::9]:443 tcp)',
    );
    expect(limiter.counts()).toEqual({ emittedEvents: 2, suppressedEvents: 0, suppressedAlerts: 0, pendingAlerts: 0 });
  });

  it('counts the alerts of a new sid from the previous call', () => {
    const { limiter, advance } = limiterAt();
    limiter.limit([]);
    advance(15_000);
    const [event] = limiter.limit([alert(3, 'alert', { srcPort: undefined, destPort: undefined, proto: 'ICMP' })]);
    expect(event?.message).toBe(
      'sid 3 "rule 3" matched 1 time in the last 15 s (action alert; last 10.0.0.5 -> 10.1.0.9 icmp)',
    );
  });

  it('keeps the actions of one sid apart', () => {
    const { limiter } = limiterAt();
    const events = limiter.limit([alert(5, 'alert'), alert(5, 'drop'), alert(5, 'drop')]);
    expect(events.map((e) => [e.sid, e.action, e.count, e.reason])).toEqual([
      [5, 'drop', 2, 'IntrusionPrevented'],
      [5, 'alert', 1, 'IntrusionDetected'],
    ]);
  });

  it('emits at most maxEventsPerWindow per window, busiest sids first, and counts the rest as suppressed', () => {
    const { limiter, advance } = limiterAt({ maxEventsPerWindow: 2 });
    const alerts = [1, 2, 2, 3, 3, 3, 4].map((sid) => alert(sid));
    expect(limiter.limit(alerts).map((e) => [e.sid, e.count])).toEqual([
      [3, 3],
      [2, 2],
    ]);
    expect(limiter.counts()).toEqual({ emittedEvents: 2, suppressedEvents: 2, suppressedAlerts: 2, pendingAlerts: 0 });
    advance(1_000);
    // Sid 4 has had no event yet, but the window's budget is spent.
    expect(limiter.limit([alert(4), alert(3)])).toEqual([]);
    expect(limiter.counts()).toMatchObject({ suppressedEvents: 3, suppressedAlerts: 3, pendingAlerts: 1 });
    advance(59_000);
    expect(limiter.limit([alert(4)]).map((e) => [e.sid, e.count])).toEqual([
      [3, 1],
      [4, 1],
    ]);
  });

  it('is deterministic: the same alerts at the same times give the same events', () => {
    const run = (): IntrusionEvent[] => {
      const { limiter, advance } = limiterAt({ maxEventsPerWindow: 3 });
      const events: IntrusionEvent[] = [];
      for (let step = 0; step < 10; step += 1) {
        events.push(...limiter.limit([9, 8, 7, 6, 5].map((sid) => alert(sid * step || 1))));
        advance(17_000);
      }
      return events;
    };
    expect(run()).toEqual(run());
  });

  it('keeps a flood of 100k alerts across 1,000 sids within the bound, every alert accounted for', () => {
    const { limiter, advance } = limiterAt();
    const totals = new AlertTotals();
    const events: IntrusionEvent[] = [];
    const steps = 100;
    for (let step = 0; step < steps; step += 1) {
      const alerts = Array.from({ length: 1_000 }, (_, i) =>
        alert(1_000_000 + ((i * 7 + step) % 1_000), i % 3 ? 'drop' : 'alert'),
      );
      events.push(...limiter.limit(alerts));
      totals.add(batch(alerts));
      advance(5_000);
    }
    const windows = Math.ceil((steps * 5_000) / 60_000);
    expect(events.length).toBeLessThanOrEqual(windows * 20);
    expect(events.length).toBeGreaterThan(0);
    const counts = limiter.counts();
    const inEvents = events.reduce((sum, e) => sum + e.count, 0);
    expect(inEvents + counts.suppressedAlerts + counts.pendingAlerts).toBe(100_000);
    expect(counts.emittedEvents).toBe(events.length);
    const snapshot = totals.snapshot();
    expect(snapshot.alerts + snapshot.drops).toBe(100_000);
    expect(Object.keys(snapshot.bySid)).toHaveLength(201);
    const perSid = Object.values(snapshot.bySid).reduce((sum, c) => sum + c.alerts + c.drops, 0);
    expect(perSid).toBe(100_000);
  });
});
