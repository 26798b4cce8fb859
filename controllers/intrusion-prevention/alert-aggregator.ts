/**
 * Pure aggregation of eve alerts: lifetime totals for metrics (bounded in cardinality) and an EventLimiter that turns
 * any alert rate into a bounded number of Kubernetes-style events.
 */
import type { EventType } from '../../runtime/status-types.js';
import type { AlertAction, EveAlert, EveBatch } from './eve-log.js';

/** Alert records of one sid, split by what Suricata did: 'alert' (packet passed) or 'drop' (blocked). */
export interface SidCounts {
  alerts: number;
  drops: number;
}

/** The bucket of sids seen after maxSids distinct ones. */
export const OTHER_SID = 'other';

export interface AlertTotalsSnapshot {
  /** Alert records with action alert / drop, all sids. */
  alerts: number;
  drops: number;
  /** eve drop records (packets dropped, whatever dropped them). */
  dropEvents: number;
  malformedLines: number;
  skippedBytes: number;
  /** Keyed by sid (decimal) for the first maxSids sids seen, then OTHER_SID. */
  bySid: Record<string, SidCounts>;
}

/**
 * Counts over the operator's lifetime. Cardinality is bounded: the first maxSids distinct sids keep their own
 * counters and later ones share OTHER_SID, so every counter only grows (a "top N" would move sids in and out).
 */
export class AlertTotals {
  private readonly sids = new Map<string, SidCounts>();
  private readonly totals = { alerts: 0, drops: 0, dropEvents: 0, malformedLines: 0, skippedBytes: 0 };

  constructor(private readonly maxSids = 200) {}

  add(batch: Pick<EveBatch, 'alerts' | 'drops' | 'malformedLines' | 'skippedBytes'>): void {
    for (const alert of batch.alerts) {
      const counts = this.countsOf(String(alert.sid));
      if (alert.action === 'drop') {
        counts.drops += 1;
        this.totals.drops += 1;
      } else {
        counts.alerts += 1;
        this.totals.alerts += 1;
      }
    }
    this.totals.dropEvents += batch.drops;
    this.totals.malformedLines += batch.malformedLines;
    this.totals.skippedBytes += batch.skippedBytes;
  }

  snapshot(): AlertTotalsSnapshot {
    const bySid = Object.fromEntries([...this.sids].map(([sid, counts]) => [sid, { ...counts }]));
    return { ...this.totals, bySid };
  }

  private countsOf(sid: string): SidCounts {
    let key = sid;
    if (!this.sids.has(key) && this.sids.size >= this.maxSids) key = OTHER_SID;
    let counts = this.sids.get(key);
    if (!counts) {
      counts = { alerts: 0, drops: 0 };
      this.sids.set(key, counts);
    }
    return counts;
  }
}

/** An event about one sid: how often it matched since the previous event about it. */
export interface IntrusionEvent {
  type: EventType;
  reason: 'IntrusionDetected' | 'IntrusionPrevented';
  message: string;
  sid: number;
  action: AlertAction;
  /** Alerts this event stands for. */
  count: number;
}

export interface EventLimiterOptions {
  /** At most one event per (sid, action) per window; default 60 s. */
  windowMs?: number;
  /** At most this many events per window overall; default 20. */
  maxEventsPerWindow?: number;
}

export interface EventLimiterCounts {
  emittedEvents: number;
  /** Events due but not emitted because the window's budget was spent; their alerts are dropped from events. */
  suppressedEvents: number;
  suppressedAlerts: number;
  /** Alerts waiting for their sid's window to pass. */
  pendingAlerts: number;
}

interface Group {
  sid: number;
  action: AlertAction;
  last: EveAlert;
  pending: number;
  /** Start of the period `pending` counts (the previous event, suppression or limit() call). */
  since: number;
  lastEmittedAt?: number;
}

function endpoint(ip: string, port: number | undefined): string {
  const host = ip.includes(':') && port !== undefined ? `[${ip}]` : ip;
  return port === undefined ? host : `${host}:${port}`;
}

function describe(group: Group, now: number): string {
  const { last, pending } = group;
  const seconds = Math.max(1, Math.round((now - group.since) / 1000));
  const times = pending === 1 ? 'time' : 'times';
  const flow = `${endpoint(last.srcIp, last.srcPort)} -> ${endpoint(last.destIp, last.destPort)} ${last.proto.toLowerCase()}`;
  return (
    `sid ${group.sid} ${JSON.stringify(last.msg)} matched ${pending} ${times} in the last ${seconds} s ` +
    `(action ${group.action}; last ${flow})`
  );
}

/** Most alerts first, then by sid and action, so which events a spent budget suppresses is deterministic. */
function byUrgency(a: Group, b: Group): number {
  return b.pending - a.pending || a.sid - b.sid || a.action.localeCompare(b.action);
}

/**
 * Turns alerts into at most one event per (sid, action) per window and at most maxEventsPerWindow events per
 * (fixed) window overall. Alerts of a sid inside its window are counted into its next event. The clock (ms) is
 * injected so tests are deterministic.
 */
export class EventLimiter {
  private readonly groups = new Map<string, Group>();
  private readonly windowMs: number;
  private readonly maxEvents: number;
  private windowStart?: number;
  private emittedInWindow = 0;
  private previousCall?: number;
  private readonly tally = { emittedEvents: 0, suppressedEvents: 0, suppressedAlerts: 0 };

  constructor(
    private readonly clock: () => number,
    options: EventLimiterOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxEvents = options.maxEventsPerWindow ?? 20;
  }

  /** Takes the alerts read since the previous call (possibly none) and returns the events due now. */
  limit(alerts: readonly EveAlert[]): IntrusionEvent[] {
    const now = this.clock();
    for (const alert of alerts) this.count(alert, this.previousCall ?? now);
    this.previousCall = now;
    if (this.windowStart === undefined || now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.emittedInWindow = 0;
    }
    const due = [...this.groups.values()].filter((g) => g.pending > 0 && this.outsideWindow(g, now)).sort(byUrgency);
    const events: IntrusionEvent[] = [];
    for (const group of due) {
      if (this.emittedInWindow < this.maxEvents) {
        events.push(this.emit(group, now));
      } else {
        this.tally.suppressedEvents += 1;
        this.tally.suppressedAlerts += group.pending;
      }
      group.pending = 0;
      group.since = now;
    }
    this.prune(now);
    return events;
  }

  counts(): EventLimiterCounts {
    let pendingAlerts = 0;
    for (const group of this.groups.values()) pendingAlerts += group.pending;
    return { ...this.tally, pendingAlerts };
  }

  private count(alert: EveAlert, arrivedAfter: number): void {
    const key = `${alert.sid}/${alert.action}`;
    const group = this.groups.get(key);
    if (group) {
      group.pending += 1;
      group.last = alert;
    } else {
      this.groups.set(key, { sid: alert.sid, action: alert.action, last: alert, pending: 1, since: arrivedAfter });
    }
  }

  private outsideWindow(group: Group, now: number): boolean {
    return group.lastEmittedAt === undefined || now - group.lastEmittedAt >= this.windowMs;
  }

  private emit(group: Group, now: number): IntrusionEvent {
    this.emittedInWindow += 1;
    this.tally.emittedEvents += 1;
    group.lastEmittedAt = now;
    const prevented = group.action === 'drop';
    return {
      type: 'Warning',
      reason: prevented ? 'IntrusionPrevented' : 'IntrusionDetected',
      message: describe(group, now),
      sid: group.sid,
      action: group.action,
      count: group.pending,
    };
  }

  /** Forgets groups with nothing pending whose window has passed, so state stays bounded by the active sids. */
  private prune(now: number): void {
    for (const [key, group] of this.groups) {
      if (group.pending === 0 && this.outsideWindow(group, now)) this.groups.delete(key);
    }
  }
}
