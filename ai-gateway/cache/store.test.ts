import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheConfig } from '../config.js';
import type { ChatCompletion } from '../openai/types.js';
import { sha256Hex } from './canonical.js';
import { ExactCache, type NewCacheEntry } from './store.js';

const key = (name: string): string => sha256Hex(name);

function answer(text: string): NewCacheEntry {
  const completion: ChatCompletion = {
    id: `chatcmpl-${text}`,
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  };
  return { completion, model: 'gpt-4o-mini', provider: 'openai', usage: completion.usage! };
}

/** The serialized size of an entry of `text`, to set budgets in entries rather than guessed bytes. */
const ENTRY_BYTES = 508;

describe('ExactCache', () => {
  let base: string;
  let dir: string;
  let time: number;
  let warnings: string[];
  let open: ExactCache[];
  const log = { warn: (_details: object, message: string): void => void warnings.push(message) };

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'csgw-cache-'));
    dir = join(base, 'cache');
    time = Date.UTC(2026, 0, 1);
    warnings = [];
    open = [];
  });

  afterEach(async () => {
    for (const cache of open) await cache.close();
    await rm(base, { recursive: true, force: true });
  });

  async function start(config: Partial<CacheConfig> = {}): Promise<ExactCache> {
    const full: CacheConfig = {
      enabled: true,
      scope: 'key',
      ttlSeconds: 3600,
      memoryBytes: 1_000_000,
      diskBytes: 1_000_000,
      dir,
      ...config,
    };
    const cache = new ExactCache(full, () => time, log);
    await cache.open();
    open.push(cache);
    return cache;
  }

  async function restart(cache: ExactCache, config: Partial<CacheConfig> = {}): Promise<ExactCache> {
    await cache.close();
    return start(config);
  }

  const files = async (): Promise<string[]> => (await readdir(dir)).sort();

  it('answers a stored entry, counts hits and misses, and keeps entries in their size class', async () => {
    const cache = await start();
    expect(await cache.get(key('a'))).toBeUndefined();
    await cache.set(key('a'), answer('A'));
    const entry = await cache.get(key('a'));
    expect(entry).toMatchObject({ ...answer('A'), createdAt: time, expiresAt: time + 3600_000 });
    const stats = cache.stats();
    expect(stats).toMatchObject({ entries: 1, hits: 1, misses: 1, hitRatio: 0.5 });
    expect(stats.memoryBytes).toBeGreaterThan(ENTRY_BYTES - 20);
    expect(stats.memoryBytes).toBeLessThan(ENTRY_BYTES + 20);
    expect(stats.diskBytes).toBe(stats.memoryBytes);
    expect(stats.bytes).toBe(stats.diskBytes);
  });

  it('hands out frozen entries and leaves the caller objects alone', async () => {
    const cache = await start();
    const fresh = answer('A');
    await cache.set(key('a'), fresh);
    const entry = await cache.get(key('a'));
    expect(Object.isFrozen(entry?.completion.choices[0]?.message)).toBe(true);
    expect(Object.isFrozen(fresh.completion)).toBe(false);
  });

  it('serves a hit held in memory without reading its file (the speed goal is in bench/ai-gateway.ts)', async () => {
    const cache = await start();
    await cache.set(key('a'), answer('A'));
    for (const f of await files()) await rm(join(dir, f));
    expect((await cache.get(key('a')))?.completion.choices[0]?.message.content).toBe('A');
  });

  it('keeps entries across close and open, in 0600 files in a 0700 directory', async () => {
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const first = await start();
    await first.set(key('a'), answer('A'));
    const second = await restart(first);
    expect(second.stats()).toMatchObject({ entries: 1, memoryBytes: 0 });
    expect((await second.get(key('a')))?.completion.choices[0]?.message.content).toBe('A');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const [file] = await files();
    expect(file).toBe(`${key('a')}.${time + 3600_000}.json`);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);
  });

  it('expires entries on read, by the sweep and at start', async () => {
    const cache = await start({ ttlSeconds: 60 });
    await cache.set(key('a'), answer('A'));
    await cache.set(key('b'), answer('B'));
    time += 59_000;
    expect(await cache.get(key('a'))).toBeDefined();
    time += 1_000;
    expect(await cache.get(key('a'))).toBeUndefined();
    expect(cache.sweep()).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 0, memoryBytes: 0, diskBytes: 0 });
    await cache.set(key('c'), answer('C'));
    time += 60_000;
    const later = await restart(cache, { ttlSeconds: 60 });
    expect(later.stats().entries).toBe(0);
    expect(await files()).toEqual([]);
  });

  it('applies a shortened TTL to entries written before', async () => {
    const cache = await start({ ttlSeconds: 3600 });
    await cache.set(key('a'), answer('A'));
    time += 120_000;
    const shorter = await restart(cache, { ttlSeconds: 60 });
    expect(await shorter.get(key('a'))).toBeUndefined();
    await shorter.close();
    expect(await files()).toEqual([]);
  });

  it('keeps memory under its budget, least recently used out first', async () => {
    const cache = await start({ memoryBytes: 2 * ENTRY_BYTES + 100 });
    await cache.set(key('a'), answer('A'));
    await cache.set(key('b'), answer('B'));
    await cache.get(key('a'));
    await cache.set(key('c'), answer('C'));
    const stats = cache.stats();
    expect(stats.memoryBytes).toBeLessThanOrEqual(2 * ENTRY_BYTES + 100);
    expect(stats.entries).toBe(3);
    expect(stats.diskBytes).toBeGreaterThan(stats.memoryBytes);
    // b, the least recently used, left memory (it stays on disk): without the files only a and c answer.
    for (const file of await files()) await rm(join(dir, file));
    expect(await cache.get(key('b'))).toBeUndefined();
    expect((await cache.get(key('a')))?.completion.id).toBe('chatcmpl-A');
    expect(await cache.get(key('c'))).toBeDefined();
  });

  it('keeps the disk under its budget, least recently used out first, across a restart', async () => {
    const budget = { diskBytes: 2 * ENTRY_BYTES + 100 };
    const first = await start(budget);
    await first.set(key('a'), answer('A'));
    time += 1_000;
    await first.set(key('b'), answer('B'));
    time += 120_000;
    await first.get(key('a'));
    const second = await restart(first, budget);
    await second.set(key('c'), answer('C'));
    await second.close();
    expect((await files()).map((file) => file.slice(0, 64))).toEqual([key('a'), key('c')].sort());
    const third = await start(budget);
    expect(await third.get(key('b'))).toBeUndefined();
    expect(await third.get(key('a'))).toBeDefined();
    expect(await third.get(key('c'))).toBeDefined();
    expect(third.stats().diskBytes).toBeLessThanOrEqual(budget.diskBytes);
  });

  it('does not keep an entry larger than a budget in that tier', async () => {
    const cache = await start({ memoryBytes: 100 });
    await cache.set(key('a'), answer('A'));
    expect(cache.stats()).toMatchObject({ memoryBytes: 0, entries: 1 });
    expect(await cache.get(key('a'))).toBeDefined();
  });

  it.each([
    ['not JSON', '{"v":1,"key":'],
    ['another key', JSON.stringify({ v: 1, key: key('other'), entry: {} })],
    ['missing fields', JSON.stringify({ v: 1, key: key('a'), entry: { model: 'm' } })],
  ])('treats a corrupt file (%s) as a miss and removes it', async (_name, text) => {
    const first = await start();
    await first.set(key('a'), answer('A'));
    await first.close();
    const [file] = await files();
    await writeFile(join(dir, file!), text);
    const second = await start();
    expect(await second.get(key('a'))).toBeUndefined();
    await second.close();
    expect(await files()).toEqual([]);
    expect(warnings).toEqual(['corrupt cache entry removed']);
  });

  it('treats an unreadable entry as a miss, and one that vanished as a plain miss', async () => {
    const first = await start();
    await first.set(key('a'), answer('A'));
    await first.set(key('b'), answer('B'));
    const second = await restart(first);
    const [a, b] = await files();
    await rm(join(dir, a!));
    await mkdir(join(dir, a!));
    await rm(join(dir, b!));
    expect(await second.get(key('a'))).toBeUndefined();
    expect(await second.get(key('b'))).toBeUndefined();
    expect(second.stats().entries).toBe(0);
    expect(warnings).toContain('cache entry unreadable');
  });

  it('removes leftover temporary files at start and ignores files that are not entries', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${key('a')}.tmp-1-0`), 'half');
    await writeFile(join(dir, 'README'), 'not mine');
    const cache = await start();
    expect(cache.stats().entries).toBe(0);
    expect(await files()).toEqual(['README']);
  });

  it('ignores a malformed key', async () => {
    const cache = await start();
    await cache.set('../../etc/passwd', answer('A'));
    expect(await cache.get('../../etc/passwd')).toBeUndefined();
    expect(await files()).toEqual([]);
  });

  it('when disabled, misses every lookup and writes no file', async () => {
    const cache = await start({ enabled: false });
    await cache.set(key('a'), answer('A'));
    expect(await cache.get(key('a'))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 0, misses: 1, hits: 0 });
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});
