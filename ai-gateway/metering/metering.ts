import type { MeteringConfig } from '../config.js';
import { UsageLedger, type WarnLog } from './ledger.js';
import { AiMetrics, type CacheGaugeSource } from './metrics.js';
import type { UsageRecord } from './usage.js';

/**
 * The ledger and the metrics as one: what the server records once per call reaches both, and the counters are
 * seeded from the ledger's all-time totals at open, so they carry on across restarts.
 */
export class Metering {
  readonly ledger: UsageLedger;
  readonly metrics: AiMetrics;

  constructor(config: MeteringConfig, now: () => number, log: WarnLog, cache?: CacheGaugeSource) {
    this.ledger = new UsageLedger(config, now, log);
    this.metrics = new AiMetrics(cache);
  }

  async open(): Promise<void> {
    await this.ledger.open();
    this.metrics.seed(this.ledger.allTime());
  }

  record(record: UsageRecord): void {
    this.ledger.record(record);
    this.metrics.count(record);
  }

  async close(): Promise<void> {
    await this.ledger.close();
  }
}
