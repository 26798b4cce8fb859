import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { Metering } from './metering.js';
import { AiMetrics } from './metrics.js';
import type { UsageRecord } from './usage.js';

const T0 = Date.UTC(2026, 0, 10, 12);

function call(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    time: T0,
    keyId: 'team-a',
    model: 'gpt-4o-mini',
    provider: 'openai',
    cache: 'miss',
    status: 200,
    promptTokens: 100,
    completionTokens: 20,
    cachedTokens: 10,
    costUsd: 0.25,
    savedUsd: 0,
    ...overrides,
  };
}

/** The value of one series, read from the registry's JSON. */
async function value(metrics: AiMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const series = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return series?.value;
}

const MISS = { model: 'gpt-4o-mini', provider: 'openai', key: 'team-a', cache: 'miss' };
const HIT = { ...MISS, cache: 'hit' };

describe('AiMetrics', () => {
  it('counts requests, tokens by type, cost and savings by model, provider, key and cache result', async () => {
    const metrics = new AiMetrics();
    metrics.count(call());
    metrics.count(call());
    metrics.count(call({ cache: 'hit', costUsd: 0, savedUsd: 0.25 }));
    expect(await value(metrics, 'csgw_ai_requests_total', MISS)).toBe(2);
    expect(await value(metrics, 'csgw_ai_requests_total', HIT)).toBe(1);
    expect(await value(metrics, 'csgw_ai_tokens_total', { ...MISS, type: 'prompt' })).toBe(200);
    expect(await value(metrics, 'csgw_ai_tokens_total', { ...MISS, type: 'completion' })).toBe(40);
    expect(await value(metrics, 'csgw_ai_tokens_total', { ...MISS, type: 'cached' })).toBe(20);
    expect(await value(metrics, 'csgw_ai_cost_usd_total', MISS)).toBe(0.5);
    expect(await value(metrics, 'csgw_ai_saved_usd_total', HIT)).toBe(0.25);
  });

  it('observes overhead, time to first token and duration by model and provider, in seconds', async () => {
    const metrics = new AiMetrics();
    metrics.observe({ model: 'm', provider: 'p', overheadMs: 0.4, ttftMs: 120, totalMs: 900 });
    metrics.observe({ model: 'm', provider: 'p', totalMs: 30 });
    const text = await metrics.text();
    expect(text).toContain('csgw_ai_gateway_overhead_seconds_bucket{le="0.0005",model="m",provider="p"} 1');
    expect(text).toContain('csgw_ai_gateway_overhead_seconds_count{model="m",provider="p"} 1');
    expect(text).toContain('csgw_ai_time_to_first_token_seconds_sum{model="m",provider="p"} 0.12');
    expect(text).toContain('csgw_ai_request_duration_seconds_count{model="m",provider="p"} 2');
  });

  it('reports the cache size as gauges when given a cache', async () => {
    const metrics = new AiMetrics({ stats: () => ({ entries: 3, memoryBytes: 100, diskBytes: 900 }) });
    const text = await metrics.text();
    expect(text).toContain('csgw_ai_cache_entries 3');
    expect(text).toContain('csgw_ai_cache_bytes{tier="memory"} 100');
    expect(text).toContain('csgw_ai_cache_bytes{tier="disk"} 900');
  });

  it('registers nothing on the global registry', async () => {
    new AiMetrics().count(call());
    expect(await register.metrics()).not.toContain('csgw_ai_');
  });

  it('is seeded once only', () => {
    const metrics = new AiMetrics();
    metrics.seed([]);
    expect(() => metrics.seed([])).toThrow(/once/);
  });
});

describe('Metering', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-metering-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<Metering> => {
    const metering = new Metering({ stateFile: join(dir, 'state.json'), retentionDays: 1 }, () => T0, {
      warn: () => undefined,
    });
    await metering.open();
    return metering;
  };

  it('records a call in the ledger and the counters, and the counters carry on after a restart', async () => {
    const first = await start();
    first.record(call());
    first.record(call({ cache: 'hit', costUsd: 0, savedUsd: 0.25 }));
    expect(first.ledger.query({ since: new Date(0), by: 'key' }).total.requests).toBe(2);
    await first.close();

    const second = await start();
    expect(await value(second.metrics, 'csgw_ai_requests_total', MISS)).toBe(1);
    expect(await value(second.metrics, 'csgw_ai_tokens_total', { ...MISS, type: 'cached' })).toBe(10);
    expect(await value(second.metrics, 'csgw_ai_saved_usd_total', HIT)).toBe(0.25);
    second.record(call());
    expect(await value(second.metrics, 'csgw_ai_requests_total', MISS)).toBe(2);
    expect(await value(second.metrics, 'csgw_ai_cost_usd_total', MISS)).toBe(0.5);
    await second.close();
  });
});
