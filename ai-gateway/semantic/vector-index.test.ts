import { describe, expect, it } from '@jest/globals';
import { cosine, testEmbedding } from '../../testing/deterministic-embedder.js';
import { unitVector } from './embedder.js';
import { VectorIndex } from './vector-index.js';
import { VectorRows } from './vector-rows.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

/** A seeded generator (mulberry32), so a failing case is the same case on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUnit(next: () => number, dimensions: number): Float32Array {
  return unitVector(Array.from({ length: dimensions }, () => next() * 2 - 1))!;
}

/** `vector` moved a little: a near-duplicate, cosine ≈ 0.99. */
function nudge(next: () => number, vector: Float32Array, amount = 0.1): Float32Array {
  return unitVector(vector.map((v) => v + ((next() * 2 - 1) * amount) / Math.sqrt(vector.length)))!;
}

function embed(text: string): Float32Array {
  return Float32Array.from(testEmbedding(text));
}

async function built(index: VectorIndex): Promise<void> {
  while (index.backlog > 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('VectorIndex', () => {
  it('finds a paraphrase above the threshold and nothing for another question', () => {
    const index = new VectorIndex({ dimensions: 256 });
    index.add(A, 1, embed('What is the capital of France?'));
    index.add(A, 2, embed('Explain how a car engine works'));
    const hit = index.best(A, embed("What's France's capital city?"), 0.9);
    expect(hit).toEqual({ id: 1, similarity: expect.any(Number) });
    expect(hit!.similarity).toBeCloseTo(
      cosine(testEmbedding('What is the capital of France?'), testEmbedding("What's France's capital city?")),
      5,
    );
    expect(index.best(A, embed('What is the capital of Germany?'), 0.9)).toBeUndefined();
  });

  it('takes the threshold as inclusive and the best match first', () => {
    const index = new VectorIndex({ dimensions: 2 });
    index.add(A, 1, unitVector([1, 0])!);
    index.add(A, 2, unitVector([0.6, 0.8])!);
    expect(index.best(A, unitVector([0.6, 0.8])!, 1 - 1e-6)?.id).toBe(2);
    expect(index.best(A, unitVector([1, 0])!, 0.6)?.id).toBe(1);
    expect(index.best(A, unitVector([0, 1])!, 0.8 - 1e-6)?.id).toBe(2);
    expect(index.best(A, unitVector([0, 1])!, 0.8 + 1e-6)).toBeUndefined();
  });

  it('never matches across partitions', () => {
    const index = new VectorIndex({ dimensions: 256 });
    index.add(A, 1, embed('What is the capital of France?'));
    expect(index.best(B, embed('What is the capital of France?'), 0)).toBeUndefined();
    index.add(B, 2, embed('Write a poem about the sea'));
    expect(index.best(B, embed('What is the capital of France?'), -1)?.id).toBe(2);
  });

  it('forgets what is removed, and a partition emptied', () => {
    const index = new VectorIndex({ dimensions: 256 });
    index.add(A, 1, embed('What is the capital of France?'));
    index.add(A, 2, embed('What is the biggest planet?'));
    expect(index.remove(A, 1)).toBe(true);
    expect(index.remove(A, 1)).toBe(false);
    expect(index.best(A, embed('What is the capital of France?'), 0.9)).toBeUndefined();
    expect(index.best(A, embed('Which planet is the largest?'), 0.9)?.id).toBe(2);
    index.remove(A, 2);
    expect(index.size).toBe(0);
    expect(index.vector(A, 2)).toBeUndefined();
  });

  it('agrees with the exact scan when large partitions use an HNSW graph', () => {
    const next = random(42);
    const dimensions = 64;
    const exact = new VectorIndex({ dimensions, exactScanUpTo: Infinity });
    const graph = new VectorIndex({ dimensions, exactScanUpTo: 100 });
    const stored = Array.from({ length: 3000 }, () => randomUnit(next, dimensions));
    stored.forEach((vector, id) => {
      exact.add(A, id, vector);
      graph.add(A, id, vector);
    });
    graph.drain();
    expect(graph.backlog).toBe(0);
    for (let q = 0; q < 200; q++) {
      const id = Math.floor(next() * stored.length);
      const query = nudge(next, stored[id]!);
      const want = exact.best(A, query, 0.9)!;
      expect(want.id).toBe(id);
      expect(graph.best(A, query, 0.9)).toEqual({ id, similarity: expect.closeTo(want.similarity, 5) });
      // Far from everything: neither finds a match at a threshold a cache would use.
      const other = randomUnit(next, dimensions);
      expect([exact.best(A, other, 0.9), graph.best(A, other, 0.9)]).toEqual([undefined, undefined]);
    }
  });

  it('finds vectors still waiting for the graph, scored one by one or by a full scan', () => {
    const next = random(7);
    const index = new VectorIndex({ dimensions: 32, exactScanUpTo: 10 });
    const stored = Array.from({ length: 400 }, () => randomUnit(next, 32));
    stored.forEach((vector, id) => index.add(A, id, vector));
    expect(index.backlog).toBe(400);
    expect(index.best(A, stored[399]!, 0.999)?.id).toBe(399);
    index.drain();
    const late = randomUnit(next, 32);
    index.add(A, 1000, late);
    expect(index.backlog).toBe(1);
    expect(index.best(A, late, 0.999)?.id).toBe(1000);
    index.close();
  });

  it('builds the graph in the background, and drops it below half the crossover', async () => {
    const next = random(3);
    const index = new VectorIndex({ dimensions: 16, exactScanUpTo: 50 });
    for (let id = 0; id < 60; id++) index.add(A, id, randomUnit(next, 16));
    await built(index);
    for (let id = 0; id < 40; id++) index.remove(A, id);
    expect(index.backlog).toBe(0);
    const vector = randomUnit(next, 16);
    index.add(A, 99, vector);
    expect(index.backlog).toBe(0);
    expect(index.best(A, vector, 0.999)?.id).toBe(99);
    expect(index.size).toBe(21);
  });

  it('replaces the vector of an id added twice', () => {
    const index = new VectorIndex({ dimensions: 2, exactScanUpTo: 0 });
    index.add(A, 1, unitVector([1, 0])!);
    index.add(A, 1, unitVector([0, 1])!);
    index.drain();
    expect(index.size).toBe(1);
    expect(index.best(A, unitVector([0, 1])!, 0.99)?.id).toBe(1);
    expect(index.best(A, unitVector([1, 0])!, 0.5)).toBeUndefined();
  });
});

describe('VectorRows', () => {
  it('keeps the rows dense through removals, growth and shrinking', () => {
    const next = random(11);
    const rows = new VectorRows(8);
    const vectors = new Map<number, Float32Array>();
    for (let id = 0; id < 100; id++) {
      vectors.set(id, randomUnit(next, 8));
      rows.add(id, vectors.get(id)!);
    }
    // Odd ids first, then the even ones not divisible by 5: removals from the middle and the end of the rows.
    const gone = [...vectors.keys()].filter((id) => id % 5 !== 0).sort((a, b) => (a % 2) - (b % 2) || a - b);
    for (const id of gone.reverse()) {
      expect(rows.remove(id)).toBe(true);
      vectors.delete(id);
    }
    expect(rows.size).toBe(vectors.size);
    expect(rows.bytes).toBeLessThan(100 * 8 * 4);
    for (const [id, vector] of vectors) {
      expect(Array.from(rows.vector(id)!)).toEqual(Array.from(vector));
      expect(rows.nearest(vector)).toEqual({ id, similarity: expect.closeTo(1, 5) });
    }
    expect(() => rows.add(1000, new Float32Array(3))).toThrow(/dimensions/);
  });
});
