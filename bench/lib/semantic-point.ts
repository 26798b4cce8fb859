import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticCache } from '../../ai-gateway/semantic/store.js';
import { VectorIndex } from '../../ai-gateway/semantic/vector-index.js';
import { keyOf, queries, storedVectors, type Query } from './semantic-data.js';
import { summarize, type Summary } from './stats.js';

/**
 * One measurement point of the semantic-cache benchmark, run in a process of its own so its memory is its own:
 * - `hnsw`: the SemanticCache with an HNSW graph for the partition (exact-scan crossover 0);
 * - `exact`: the SemanticCache scanning the partition exactly (usearch's SIMD scan; crossover ∞): the baseline;
 * - `js`: a plain JavaScript loop of dot products over one Float32Array, the naive exact scan, for scale.
 * All stored questions sit in one partition, the worst case: the cache never searches more than one.
 */
export type Mode = 'hnsw' | 'exact' | 'js';

export interface PointOptions {
  mode: Mode;
  size: number;
  dimensions: number;
  lookups: number;
  seed: number;
  threshold: number;
}

export interface PointResult {
  mode: Mode;
  size: number;
  /** Wall time of each insert call (ms): the log append and the exact rows; the graph is built after. */
  insertMs: Summary;
  /** From the first insert to the graph holding every vector (s). */
  buildSeconds: number;
  lookupMs: Summary;
  /** The key each query found, null for none, in query order. */
  answers: (string | null)[];
  /** Growth of the process from before the first insert to after the build, after a full GC (MiB). */
  memoryMiB: { rss: number; heapUsed: number; external: number };
  fileMiB: number;
  /** Closing (saving the graph) and opening again (replaying the log, loading the graph); cache modes only. */
  restart?: { closeSeconds: number; openSeconds: number; indexingAfterOpen: number; sameAnswers: number };
}

const PARTITION = 'f'.repeat(64);
const WARMUP_LOOKUPS = 100;
const MIB = 1024 * 1024;

type Lookup = (vector: Float32Array) => string | undefined;

export async function measurePoint(o: PointOptions): Promise<PointResult> {
  const asked = queries(o.seed, o.size, o.dimensions, o.lookups);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the point with node --expose-gc');
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  const built = o.mode === 'js' ? buildJs(o) : await buildCache(o);
  const buildSeconds = (performance.now() - started) / 1000;
  gc();
  const after = process.memoryUsage();
  const growth = (field: 'rss' | 'heapUsed' | 'external'): number => round((after[field] - before[field]) / MIB);
  const { lookupMs, answers } = timeLookups(built.lookup, asked);
  const restart = built.restart && measureRestart(built, asked, answers);
  built.close();
  return {
    ...{ mode: o.mode, size: o.size, insertMs: built.insertMs, buildSeconds: round(buildSeconds), restart },
    ...{ lookupMs, answers, fileMiB: round(built.fileBytes / MIB) },
    memoryMiB: { rss: growth('rss'), heapUsed: growth('heapUsed'), external: growth('external') },
  };
}

interface Built {
  lookup: Lookup;
  insertMs: Summary;
  fileBytes: number;
  close: () => void;
  /** Closes and opens the cache again (lookup then uses the new one); returns the seconds each took. */
  restart?: () => { closeSeconds: number; openSeconds: number; indexingAfterOpen: number };
}

function measureRestart(built: Built, asked: Query[], before: (string | null)[]): PointResult['restart'] {
  const times = built.restart!();
  const after = timeLookups(built.lookup, asked).answers;
  const sameAnswers = after.filter((answer, i) => answer === before[i]).length / after.length;
  return { ...times, sameAnswers };
}

async function buildCache(o: PointOptions): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'csgw-bench-semantic-'));
  const exactScanUpTo = o.mode === 'exact' ? Infinity : 0;
  const open = (): SemanticCache => SemanticCache.open({ dir, maxEntries: o.size, ttlSeconds: 86_400, exactScanUpTo });
  let cache = open();
  const insertMs: number[] = [];
  storedVectors(o.seed, o.size, o.dimensions, (id, vector) => {
    const t0 = performance.now();
    cache.insert(PARTITION, keyOf(id), vector);
    insertMs.push(performance.now() - t0);
  });
  // The graph is built in slices between other work, as in the gateway; here there is no other work.
  while (cache.stats().indexing > 0) await new Promise((resolve) => setImmediate(resolve));
  const fileBytes = cache.stats().bytes;
  return {
    lookup: (vector) => cache.lookup(PARTITION, vector, o.threshold)?.key,
    insertMs: summarize(insertMs),
    fileBytes,
    close: () => {
      cache.close();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: () => {
      const t0 = performance.now();
      cache.close();
      const t1 = performance.now();
      cache = open();
      const t2 = performance.now();
      const indexingAfterOpen = cache.stats().indexing;
      return { closeSeconds: round((t1 - t0) / 1000), openSeconds: round((t2 - t1) / 1000), indexingAfterOpen };
    },
  };
}

function buildJs(o: PointOptions): Built {
  const d = o.dimensions;
  const rows = new Float32Array(o.size * d);
  const insertMs: number[] = [];
  storedVectors(o.seed, o.size, d, (id, vector) => {
    const t0 = performance.now();
    rows.set(vector, id * d);
    insertMs.push(performance.now() - t0);
  });
  const lookup: Lookup = (query) => {
    let best = -Infinity;
    let bestRow = -1;
    for (let row = 0; row < o.size; row++) {
      let dot = 0;
      for (let i = 0, at = row * d; i < d; i++, at++) dot += rows[at]! * query[i]!;
      if (dot > best) [best, bestRow] = [dot, row];
    }
    return best >= o.threshold ? keyOf(bestRow) : undefined;
  };
  return { lookup, insertMs: summarize(insertMs), fileBytes: 0, close: () => undefined };
}

function timeLookups(lookup: Lookup, asked: Query[]): { lookupMs: Summary; answers: (string | null)[] } {
  for (let i = 0; i < Math.min(WARMUP_LOOKUPS, asked.length); i++) lookup(asked[i]!.vector);
  const lookupMs: number[] = [];
  const answers: (string | null)[] = [];
  for (const { vector } of asked) {
    const t0 = performance.now();
    const found = lookup(vector);
    lookupMs.push(performance.now() - t0);
    answers.push(found ?? null);
  }
  return { lookupMs: summarize(lookupMs), answers };
}

export interface CrossoverRow {
  size: number;
  exact: Summary;
  hnsw: Summary;
}

/** Lookup latency of the exact scan and of the HNSW graph at each size (one partition, VectorIndex alone). */
export function measureCrossover(sizes: number[], dimensions: number, lookups: number, seed: number): CrossoverRow[] {
  return sizes.map((size) => {
    const exact = new VectorIndex({ dimensions, exactScanUpTo: Infinity });
    const graph = new VectorIndex({ dimensions, exactScanUpTo: 0 });
    storedVectors(seed, size, dimensions, (id, vector) => {
      exact.add(PARTITION, id, vector);
      graph.add(PARTITION, id, vector);
    });
    graph.drain();
    const asked = queries(seed, size, dimensions, lookups);
    const time = (index: VectorIndex): Summary =>
      timeLookups((vector) => index.best(PARTITION, vector, 0.9)?.id.toString(), asked).lookupMs;
    return { size, exact: time(exact), hnsw: time(graph) };
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
