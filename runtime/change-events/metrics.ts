import { Counter, Gauge, type Registry } from 'prom-client';

export type EventResult = 'hint' | 'ignored' | 'malformed';

/** Metrics of the change feed: what arrived, what it made the source re-read, and which mechanism is in force. */
export class ChangeFeedMetrics {
  readonly events: Counter<'result'>;
  readonly rereads: Counter<'scope' | 'result'>;
  private readonly mechanism: Gauge<'mechanism'>;

  constructor(registry: Registry) {
    this.events = new Counter({
      name: 'csgw_change_events_total',
      help: "SSM change events received: hint (under this gateway's spec), ignored (elsewhere), malformed (deleted)",
      labelNames: ['result'],
      registers: [registry],
    });
    this.rereads = new Counter({
      name: 'csgw_change_rereads_total',
      help: 'Reads of the desired state that change events asked for, coalesced: one kind, or the whole spec',
      labelNames: ['scope', 'result'],
      registers: [registry],
    });
    this.mechanism = new Gauge({
      name: 'csgw_change_mechanism',
      help: '1 for the mechanism that learns of desired-state changes now: push (change events) or polling',
      labelNames: ['mechanism'],
      registers: [registry],
    });
    this.setMechanism('polling');
  }

  setMechanism(mechanism: 'push' | 'polling'): void {
    this.mechanism.set({ mechanism: 'push' }, mechanism === 'push' ? 1 : 0);
    this.mechanism.set({ mechanism: 'polling' }, mechanism === 'polling' ? 1 : 0);
  }
}
