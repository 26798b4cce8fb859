import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { testEmbedding } from '../../testing/deterministic-embedder.js';
import { SemanticCache, type SemanticCacheOptions } from './store.js';

const P1 = '1'.repeat(64);
const P2 = '2'.repeat(64);
const key = (n: number): string => n.toString(16).padStart(64, '0');
const THRESHOLD = 0.9;
const FRANCE = 'What is the capital of France?';
const FRANCE_AGAIN = "What's France's capital city?";
const GERMANY = 'What is the capital of Germany?';

describe('SemanticCache', () => {
  let dir: string;
  let clock: number;
  let warnings: string[];
  const open = (extra: Partial<SemanticCacheOptions> = {}): SemanticCache =>
    SemanticCache.open({
      dir,
      maxEntries: 100,
      ttlSeconds: 3600,
      now: () => clock,
      model: 'embed-v1',
      log: { warn: (_details, message) => warnings.push(message) },
      ...extra,
    });
  const file = (): string => join(dir, 'semantic.log');

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'csgw-semantic-')), 'cache');
    clock = 1_000_000;
    warnings = [];
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('answers a paraphrase in the same partition, not another question or another partition', () => {
    const cache = open();
    cache.insert(P1, key(1), testEmbedding(FRANCE));
    expect(cache.lookup(P1, testEmbedding(FRANCE_AGAIN), THRESHOLD)).toEqual({
      key: key(1),
      similarity: expect.any(Number),
    });
    expect(cache.lookup(P1, testEmbedding(FRANCE_AGAIN), THRESHOLD)!.similarity).toBeGreaterThan(0.95);
    expect(cache.lookup(P1, testEmbedding(GERMANY), THRESHOLD)).toBeUndefined();
    expect(cache.lookup(P2, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    cache.close();
  });

  it('keeps entries across a restart, in a 0700 directory and a 0600 file', () => {
    const first = open();
    first.insert(P1, key(1), testEmbedding(FRANCE));
    first.insert(P2, key(2), testEmbedding(GERMANY));
    first.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const second = open();
    expect(second.stats()).toEqual({ entries: 2, bytes: statSync(file()).size, dimensions: 256, indexing: 0 });
    expect(second.lookup(P1, testEmbedding(FRANCE_AGAIN), THRESHOLD)?.key).toBe(key(1));
    expect(second.lookup(P2, testEmbedding(GERMANY), THRESHOLD)?.key).toBe(key(2));
    second.close();
  });

  it('forgets removed entries, also after a restart', () => {
    const first = open();
    first.insert(P1, key(1), testEmbedding(FRANCE));
    first.insert(P1, key(2), testEmbedding(GERMANY));
    first.remove(key(1));
    expect(first.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    first.close();
    const second = open();
    expect(second.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    expect(second.stats().entries).toBe(1);
    second.close();
  });

  it('moves a key inserted again to its new question', () => {
    const cache = open();
    cache.insert(P1, key(1), testEmbedding(FRANCE));
    cache.insert(P2, key(1), testEmbedding(GERMANY));
    expect(cache.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    expect(cache.lookup(P2, testEmbedding(GERMANY), THRESHOLD)?.key).toBe(key(1));
    expect(cache.stats().entries).toBe(1);
    cache.close();
  });

  it('ignores a tail cut short or damaged, and keeps appending after the last whole record', () => {
    const first = open();
    first.insert(P1, key(1), testEmbedding(FRANCE));
    first.insert(P1, key(2), testEmbedding(GERMANY));
    first.close();
    const whole = statSync(file()).size;
    truncateSync(file(), whole - 10);
    appendFileSync(file(), Buffer.from([1, 0, 0, 0, 42]));
    const second = open();
    expect(warnings).toContain('semantic cache file damaged: its tail is ignored');
    expect(second.lookup(P1, testEmbedding(FRANCE), THRESHOLD)?.key).toBe(key(1));
    expect(second.lookup(P1, testEmbedding(GERMANY), THRESHOLD)).toBeUndefined();
    second.insert(P1, key(3), testEmbedding('Write a poem about the sea'));
    second.close();
    const third = open();
    expect(third.stats().entries).toBe(2);
    expect(third.lookup(P1, testEmbedding('Write a poem about the sea'), THRESHOLD)?.key).toBe(key(3));
    third.close();
  });

  it('ignores a record whose bytes were changed', () => {
    const first = open();
    first.insert(P1, key(1), testEmbedding(FRANCE));
    first.close();
    const bytes = readFileSync(file());
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    writeFileSync(file(), bytes);
    const second = open();
    expect(second.stats().entries).toBe(0);
    second.close();
  });

  it('starts empty from a file that is not its own, or another model', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file(), 'not a semantic cache');
    const cache = open();
    expect(cache.stats().entries).toBe(0);
    cache.insert(P1, key(1), testEmbedding(FRANCE));
    cache.close();
    const otherModel = open({ model: 'embed-v2' });
    expect(otherModel.stats().entries).toBe(0);
    expect(otherModel.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    otherModel.close();
  });

  it('drops expired entries on lookup and at restart', () => {
    const first = open({ ttlSeconds: 60 });
    first.insert(P1, key(1), testEmbedding(FRANCE));
    clock += 30_000;
    first.insert(P1, key(2), testEmbedding(GERMANY));
    clock += 30_000;
    expect(first.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    expect(first.stats().entries).toBe(1);
    expect(first.lookup(P1, testEmbedding(GERMANY), THRESHOLD)?.key).toBe(key(2));
    first.close();
    clock += 29_999;
    const second = open({ ttlSeconds: 60 });
    expect(second.lookup(P1, testEmbedding(GERMANY), THRESHOLD)?.key).toBe(key(2));
    second.close();
    clock += 1;
    const third = open({ ttlSeconds: 60 });
    expect(third.stats().entries).toBe(0);
    third.close();
  });

  it('evicts the oldest entries beyond maxEntries, for good', () => {
    const first = open({ maxEntries: 3 });
    for (let n = 1; n <= 5; n++) first.insert(P1, key(n), testEmbedding(`question number ${n} about topic${n}`));
    expect(first.stats().entries).toBe(3);
    expect(first.lookup(P1, testEmbedding('question number 1 about topic1'), THRESHOLD)).toBeUndefined();
    expect(first.lookup(P1, testEmbedding('question number 5 about topic5'), THRESHOLD)?.key).toBe(key(5));
    first.close();
    const larger = open({ maxEntries: 10 });
    expect(larger.stats().entries).toBe(3);
    larger.close();
    const smaller = open({ maxEntries: 2 });
    expect(smaller.lookup(P1, testEmbedding('question number 3 about topic3'), THRESHOLD)).toBeUndefined();
    expect(smaller.lookup(P1, testEmbedding('question number 4 about topic4'), THRESHOLD)?.key).toBe(key(4));
    smaller.close();
  });

  it('empties itself when the embedding dimensions change, and learns the new ones', () => {
    const first = open();
    first.insert(P1, key(1), testEmbedding(FRANCE));
    expect(first.lookup(P1, testEmbedding(FRANCE, 128), THRESHOLD)).toBeUndefined();
    expect(first.stats().entries).toBe(1);
    first.insert(P1, key(2), testEmbedding(GERMANY, 128));
    expect(warnings).toContain('embedding dimensions changed: semantic cache emptied');
    expect(first.stats()).toMatchObject({ entries: 1, dimensions: 128 });
    expect(first.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
    first.close();
    const second = open();
    expect(second.stats()).toMatchObject({ entries: 1, dimensions: 128 });
    expect(second.lookup(P1, testEmbedding(GERMANY, 128), THRESHOLD)?.key).toBe(key(2));
    second.close();
  });

  it('compacts the file once dead records outnumber live ones', () => {
    const cache = open({ maxEntries: 10 });
    for (let n = 1; n <= 1200; n++) cache.insert(P1, key(n), testEmbedding(`fact ${n} about item${n}`));
    const { bytes, entries } = cache.stats();
    expect(entries).toBe(10);
    expect(bytes).toBeLessThan(1100 * (80 + 4 * 256));
    cache.close();
    const reopened = open({ maxEntries: 10 });
    expect(reopened.lookup(P1, testEmbedding('fact 1200 about item1200'), THRESHOLD)?.key).toBe(key(1200));
    expect(reopened.stats().entries).toBe(10);
    reopened.close();
  });

  describe('with an HNSW graph', () => {
    const questions = Array.from({ length: 40 }, (_, n) => `question ${n} about subject${n}`);
    const graphFiles = (): string[] => readdirSync(dir).filter((name) => name.startsWith('graph-'));
    const indexed = async (cache: SemanticCache): Promise<void> => {
      while (cache.stats().indexing > 0) await new Promise((resolve) => setImmediate(resolve));
    };
    const allFound = (cache: SemanticCache, which: number[]): void => {
      for (const n of which) expect(cache.lookup(P1, testEmbedding(questions[n]!), THRESHOLD)?.key).toBe(key(n));
    };
    const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

    it('saves the graph at close and loads it at open instead of rebuilding it', async () => {
      const first = open({ exactScanUpTo: 8 });
      questions.forEach((text, n) => first.insert(P1, key(n), testEmbedding(text)));
      expect(first.stats().indexing).toBe(40);
      allFound(first, range(0, 40));
      await indexed(first);
      first.close();
      expect(graphFiles().sort()).toEqual([`graph-${P1}.ids`, `graph-${P1}.usearch`]);
      for (const name of graphFiles()) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
      const second = open({ exactScanUpTo: 8 });
      expect(second.stats().indexing).toBe(0);
      allFound(second, range(0, 40));
      second.close();
    });

    it('brings a stale saved graph up to date: what left it goes, what it lacks is queued', async () => {
      const first = open({ exactScanUpTo: 8 });
      questions.slice(0, 30).forEach((text, n) => first.insert(P1, key(n), testEmbedding(text)));
      await indexed(first);
      first.close();
      const second = open({ exactScanUpTo: 8 });
      for (const n of range(0, 10)) second.remove(key(n));
      for (const n of range(30, 40)) second.insert(P1, key(n), testEmbedding(questions[n]!));
      second.flush();
      // No close: a crash, so the graph on disk is the first one.
      const third = open({ exactScanUpTo: 8 });
      expect(third.stats()).toMatchObject({ entries: 30, indexing: 10 });
      allFound(third, range(10, 40));
      for (const n of range(0, 10)) expect(third.lookup(P1, testEmbedding(questions[n]!), THRESHOLD)).toBeUndefined();
      await indexed(third);
      allFound(third, range(10, 40));
      third.close();
    });

    it('rebuilds a graph whose file was damaged, and removes the graphs of partitions that lost theirs', async () => {
      const first = open({ exactScanUpTo: 8 });
      questions.forEach((text, n) => first.insert(P1, key(n), testEmbedding(text)));
      await indexed(first);
      first.close();
      const graph = join(dir, `graph-${P1}.usearch`);
      const bytes = readFileSync(graph);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      writeFileSync(graph, bytes);
      const second = open({ exactScanUpTo: 8 });
      expect(second.stats().indexing).toBe(40);
      allFound(second, range(0, 40));
      for (const n of range(0, 36)) second.remove(key(n));
      second.close();
      expect(graphFiles()).toEqual([]);
    });
  });

  it('refuses keys and vectors it cannot store, and works from memory when the file cannot be written', () => {
    mkdirSync(file(), { recursive: true });
    const cache = open();
    cache.insert('not-a-digest', key(1), testEmbedding(FRANCE));
    cache.insert(P1, key(2), [0, 0, 0]);
    cache.insert(P1, key(3), [1, Number.NaN]);
    expect(cache.stats().entries).toBe(0);
    cache.insert(P1, key(4), testEmbedding(FRANCE));
    expect(warnings).toContain('semantic cache file not written: working from memory');
    expect(cache.lookup(P1, testEmbedding(FRANCE_AGAIN), THRESHOLD)?.key).toBe(key(4));
    cache.close();
    expect(cache.lookup(P1, testEmbedding(FRANCE), THRESHOLD)).toBeUndefined();
  });

  it('never answers with a key inserted in another partition (property)', () => {
    const texts = [FRANCE, FRANCE_AGAIN, GERMANY, 'Write a poem about the sea', 'Which planet is the largest?'];
    const step = fc.record({ partition: fc.constantFrom(P1, P2), text: fc.constantFrom(...texts), n: fc.nat(20) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), step, (inserts, query) => {
        const cache = open();
        const partitionOf = new Map<string, string>();
        for (const { partition, text, n } of inserts) {
          cache.insert(partition, key(n), testEmbedding(text));
          partitionOf.set(key(n), partition);
        }
        const hit = cache.lookup(query.partition, testEmbedding(query.text), 0);
        cache.close();
        rmSync(dir, { recursive: true, force: true });
        if (hit) expect(partitionOf.get(hit.key)).toBe(query.partition);
      }),
      { numRuns: 50 },
    );
  });
});
