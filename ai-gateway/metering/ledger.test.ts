import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait.js';
import { UsageLedger } from './ledger.js';
import { HOUR_MS, type UsageRecord } from './usage.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

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
    costUsd: 0.5,
    savedUsd: 0,
    ...overrides,
  };
}

describe('UsageLedger', () => {
  let dir: string;
  let stateFile: string;
  let time: number;
  let warnings: string[];
  let ledgers: UsageLedger[];
  const log = { warn: (_details: object, message: string): void => void warnings.push(message) };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-ledger-'));
    stateFile = join(dir, 'metering', 'state.json');
    time = T0;
    warnings = [];
    ledgers = [];
  });

  afterEach(async () => {
    jest.useRealTimers();
    for (const ledger of ledgers) await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(retentionDays = 30): Promise<UsageLedger> {
    const ledger = new UsageLedger({ stateFile, retentionDays }, () => time, log);
    await ledger.open();
    ledgers.push(ledger);
    return ledger;
  }

  async function reopen(ledger: UsageLedger, retentionDays = 30): Promise<UsageLedger> {
    await ledger.close();
    ledgers.splice(ledgers.indexOf(ledger), 1);
    return open(retentionDays);
  }

  it('adds calls up by key, model or provider, since a moment, with totals', async () => {
    const ledger = await open();
    ledger.record(call());
    ledger.record(call({ time: T0 + 10 * 60_000, status: 429, promptTokens: 0, completionTokens: 0, costUsd: 0 }));
    ledger.record(call({ keyId: 'team-b', model: 'claude', provider: 'anthropic', costUsd: 2 }));
    ledger.record(call({ time: T0 - 3 * HOUR_MS, cache: 'hit', costUsd: 0, savedUsd: 0.5 }));

    const byKey = ledger.query({ since: new Date(T0 - 24 * HOUR_MS), by: 'key' });
    expect(byKey.rows).toEqual([
      expect.objectContaining({ name: 'team-b', requests: 1, costUsd: 2 }),
      expect.objectContaining({
        name: 'team-a',
        requests: 3,
        errors: 1,
        promptTokens: 200,
        completionTokens: 40,
        cachedTokens: 30,
        costUsd: 0.5,
        savedUsd: 0.5,
      }),
    ]);
    expect(byKey.total).toMatchObject({ requests: 4, costUsd: 2.5, savedUsd: 0.5 });

    const lastHour = ledger.query({ since: new Date(T0 + 30 * 60_000), by: 'provider' });
    expect(lastHour.rows.map((row) => [row.name, row.requests])).toEqual([
      ['anthropic', 1],
      ['openai', 2],
    ]);
    expect(ledger.query({ since: new Date(T0 + HOUR_MS), by: 'model' }).rows).toEqual([]);
  });

  it('keeps hourly usage and all-time totals across close and open, in a 0600 file', async () => {
    const first = await open();
    first.record(call());
    first.record(call({ cache: 'hit', costUsd: 0, savedUsd: 0.5 }));
    const before = first.query({ since: new Date(0), by: 'model' });
    const second = await reopen(first);
    expect(second.query({ since: new Date(0), by: 'model' })).toEqual(before);
    expect(second.allTime()).toEqual(
      expect.arrayContaining([expect.objectContaining({ cache: 'hit', savedUsd: 0.5 })]),
    );
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(join(dir, 'metering'))).sort()).toEqual(['state.json']);
  });

  it('drops hourly rows past the retention and keeps the all-time totals', async () => {
    const first = await open(1);
    first.record(call());
    time += 2 * 24 * HOUR_MS;
    first.record(call({ time }));
    expect(first.query({ since: new Date(0), by: 'key' }).total.requests).toBe(1);
    const second = await reopen(first, 1);
    expect(second.query({ since: new Date(0), by: 'key' }).total.requests).toBe(1);
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { buckets: unknown[] };
    expect(saved.buckets).toHaveLength(1);
    expect(second.allTime()).toEqual([expect.objectContaining({ requests: 2 })]);
  });

  it('writes the state every 5 s only when something changed', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    const ledger = await open();
    jest.advanceTimersByTime(5_000);
    await ledger.flush();
    await expect(stat(stateFile)).rejects.toThrow(/ENOENT/);
    ledger.record(call());
    jest.advanceTimersByTime(5_000);
    const text = await waitFor(() => readFile(stateFile, 'utf8'), {
      what: 'the periodic write',
      intervalMs: 20,
      timeoutMs: 5_000,
    });
    expect(JSON.parse(text)).toMatchObject({ version: 1, buckets: [expect.objectContaining({ requests: 1 })] });
  });

  it('moves a corrupt state file aside, logs it and starts from zero', async () => {
    const first = await open();
    first.record(call());
    await first.close();
    ledgers = [];
    await writeFile(stateFile, '{"version":1,"buckets":[{"hour":"x"}],"totals":[]}');
    const second = await open();
    expect(second.query({ since: new Date(0), by: 'key' }).rows).toEqual([]);
    expect(warnings).toEqual(['usage state file corrupt: moved aside, usage starts from zero']);
    expect((await readdir(join(dir, 'metering'))).sort()).toEqual(['state.json.corrupt-2026-01-10T12-00-00-000Z']);
    second.record(call());
    await second.close();
    ledgers = [];
    expect((await readdir(join(dir, 'metering'))).sort()).toEqual([
      'state.json',
      'state.json.corrupt-2026-01-10T12-00-00-000Z',
    ]);
  });

  it('counts a nonsense number as 0 rather than poisoning the totals and the file', async () => {
    const first = await open();
    first.record(call({ costUsd: Number.NaN, promptTokens: -4, savedUsd: Infinity }));
    const second = await reopen(first);
    expect(second.allTime()).toEqual([
      expect.objectContaining({ requests: 1, costUsd: 0, promptTokens: 0, savedUsd: 0 }),
    ]);
    expect(warnings).toEqual([]);
  });
});
