/**
 * The semantic-cache benchmark's vectors, all from one seed so every process of a run (and every run) sees the same
 * ones: stored questions are random unit vectors, every tenth a near-duplicate (cosine 0.85, below any sensible
 * threshold) of the one before it, so the set has the local structure real questions have; queries alternate a
 * paraphrase of a stored question (cosine 0.95 with it: a hit) and a question never stored (a miss).
 */

/** Cosine of a stored sibling with the question before it. */
const SIBLING_COSINE = 0.85;
/** Cosine of a paraphrase query with the stored question it paraphrases. */
const PARAPHRASE_COSINE = 0.95;

export interface Query {
  /** The id of the stored question it paraphrases; undefined for a question never stored. */
  target: number | undefined;
  vector: Float32Array;
}

/** mulberry32: small, fast and good enough to spread vectors over the sphere. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomUnit(next: () => number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let squares = 0;
  for (let i = 0; i < dimensions; i++) {
    // The sum of three uniforms is near enough to a normal for directions to be spread evenly.
    const x = next() + next() + next() - 1.5;
    vector[i] = x;
    squares += x * x;
  }
  const norm = Math.sqrt(squares);
  for (let i = 0; i < dimensions; i++) vector[i]! /= norm;
  return vector;
}

/** A unit vector at exactly `cosine` from the unit vector `vector`, in a random direction. */
export function nearDuplicate(next: () => number, vector: Float32Array, cosine: number): Float32Array {
  const other = randomUnit(next, vector.length);
  let dot = 0;
  for (let i = 0; i < vector.length; i++) dot += other[i]! * vector[i]!;
  let squares = 0;
  for (let i = 0; i < vector.length; i++) {
    other[i]! -= dot * vector[i]!;
    squares += other[i]! * other[i]!;
  }
  const scale = Math.sqrt(1 - cosine * cosine) / Math.sqrt(squares);
  return vector.map((v, i) => cosine * v + scale * other[i]!);
}

/** The exact-cache key the benchmark stores for question `id` (a SHA-256-shaped hex string). */
export function keyOf(id: number): string {
  return id.toString(16).padStart(64, '0');
}

/** Calls `onVector` for every stored question in order, the same vectors for the same seed, size and dimensions. */
export function storedVectors(
  seed: number,
  size: number,
  dimensions: number,
  onVector: (id: number, vector: Float32Array) => void,
): void {
  const next = seeded(seed);
  let previous: Float32Array | undefined;
  for (let id = 0; id < size; id++) {
    const vector =
      previous && id % 10 === 9 ? nearDuplicate(next, previous, SIBLING_COSINE) : randomUnit(next, dimensions);
    onVector(id, vector);
    previous = vector;
  }
}

/** `count` queries, paraphrases and new questions alternating; the paraphrased questions are picked at random. */
export function queries(seed: number, size: number, dimensions: number, count: number): Query[] {
  const pick = seeded(seed + 1);
  const wanted = new Map<number, number>();
  for (let q = 0; q < count; q += 2) wanted.set(q, Math.floor(pick() * size));
  const byTarget = new Map<number, number[]>();
  for (const [q, target] of wanted) byTarget.set(target, [...(byTarget.get(target) ?? []), q]);
  const out: Query[] = new Array<Query>(count);
  storedVectors(seed, size, dimensions, (id, vector) => {
    for (const q of byTarget.get(id) ?? [])
      out[q] = { target: id, vector: nearDuplicate(pick, vector, PARAPHRASE_COSINE) };
  });
  for (let q = 1; q < count; q += 2) out[q] = { target: undefined, vector: randomUnit(pick, dimensions) };
  return out;
}
