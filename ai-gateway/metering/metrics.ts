import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { amount, labelsOf, type LabelledTotals, type UsageLabels, type UsageRecord } from './usage.js';

const USAGE_LABELS = ['model', 'provider', 'key', 'cache'] as const;
const LATENCY_LABELS = ['model', 'provider'] as const;
/** The gateway's own time is sub-millisecond; upstream times run to minutes. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

/** What the cache reports for the gauges (ExactCache.stats() fits). */
export interface CacheGaugeSource {
  stats(): { entries: number; memoryBytes: number; diskBytes: number };
}

export interface Latencies {
  model: string;
  provider: string;
  /** The gateway's own time: total minus the upstream's. */
  overheadMs?: number;
  /** Until the first byte of the answer (streams) or the whole answer. */
  ttftMs?: number;
  totalMs?: number;
}

/**
 * The data plane's Prometheus metrics, on a registry of their own. Usage counters resume after a restart: seed()
 * adds the ledger's all-time totals once at start.
 */
export class AiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'csgw_ai_requests_total',
    help: 'AI gateway calls by model, provider, gateway key id and cache result',
    labelNames: USAGE_LABELS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'csgw_ai_tokens_total',
    help: 'Tokens by type (prompt, completion, cached: the part of prompt the provider read from its cache)',
    labelNames: [...USAGE_LABELS, 'type'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'csgw_ai_cost_usd_total',
    help: 'USD spent upstream, priced from the model table',
    labelNames: USAGE_LABELS,
    registers: [this.registry],
  });
  private readonly saved = new Counter({
    name: 'csgw_ai_saved_usd_total',
    help: 'USD a cache hit did not spend upstream',
    labelNames: USAGE_LABELS,
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'csgw_ai_gateway_overhead_seconds',
    help: "Time the gateway adds to a call (total minus the upstream's)",
    labelNames: LATENCY_LABELS,
    buckets: OVERHEAD_BUCKETS,
    registers: [this.registry],
  });
  private readonly ttft = new Histogram({
    name: 'csgw_ai_time_to_first_token_seconds',
    help: 'Time from the request to the first byte of the answer',
    labelNames: LATENCY_LABELS,
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'csgw_ai_request_duration_seconds',
    help: 'Time from the request to the end of the answer',
    labelNames: LATENCY_LABELS,
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  private seeded = false;

  constructor(cache?: CacheGaugeSource) {
    if (!cache) return;
    new Gauge({
      name: 'csgw_ai_cache_entries',
      help: 'Entries in the exact-match cache',
      registers: [this.registry],
      collect() {
        this.set(cache.stats().entries);
      },
    });
    new Gauge({
      name: 'csgw_ai_cache_bytes',
      help: 'Bytes of the exact-match cache by tier (memory, disk)',
      labelNames: ['tier'] as const,
      registers: [this.registry],
      collect() {
        const stats = cache.stats();
        this.set({ tier: 'memory' }, stats.memoryBytes);
        this.set({ tier: 'disk' }, stats.diskBytes);
      },
    });
  }

  /** Starts the usage counters from the all-time totals kept by the ledger. Once only: a second call throws. */
  seed(totals: readonly LabelledTotals[]): void {
    if (this.seeded) throw new Error('AiMetrics.seed: counters are seeded once, at start');
    this.seeded = true;
    for (const row of totals) {
      this.add(row, row.requests, row.promptTokens, row.completionTokens, row.cachedTokens);
      this.addMoney(row, row.costUsd, row.savedUsd);
    }
  }

  count(record: UsageRecord): void {
    const labels = labelsOf(record);
    this.add(labels, 1, record.promptTokens, record.completionTokens, record.cachedTokens);
    this.addMoney(labels, record.costUsd, record.savedUsd);
  }

  observe(latencies: Latencies): void {
    const labels = { model: latencies.model, provider: latencies.provider };
    if (latencies.overheadMs !== undefined) this.overhead.observe(labels, latencies.overheadMs / 1000);
    if (latencies.ttftMs !== undefined) this.ttft.observe(labels, latencies.ttftMs / 1000);
    if (latencies.totalMs !== undefined) this.duration.observe(labels, latencies.totalMs / 1000);
  }

  /** The text exposition for GET /metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  private add(labels: UsageLabels, requests: number, prompt: number, completion: number, cached: number): void {
    const names = { model: labels.model, provider: labels.provider, key: labels.key, cache: labels.cache };
    this.requests.inc(names, requests);
    // Zero increments still create the series, so every label set shows all three types.
    this.tokens.inc({ ...names, type: 'prompt' }, amount(prompt));
    this.tokens.inc({ ...names, type: 'completion' }, amount(completion));
    this.tokens.inc({ ...names, type: 'cached' }, amount(cached));
  }

  private addMoney(labels: UsageLabels, costUsd: number, savedUsd: number): void {
    const names = { model: labels.model, provider: labels.provider, key: labels.key, cache: labels.cache };
    this.cost.inc(names, amount(costUsd));
    this.saved.inc(names, amount(savedUsd));
  }
}
