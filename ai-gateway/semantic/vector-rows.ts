import { exactSearch, MetricKind } from 'usearch';

/** An entry found by a search and its cosine similarity with the query (both unit vectors: their dot product). */
export interface Match {
  id: number;
  similarity: number;
}

const FIRST_ROWS = 4;

/**
 * The unit vectors of one partition, row after row in one Float32Array (a removal moves the last row into the gap,
 * so the rows stay dense), and the exact scan over them. The scan is usearch's `exactSearch`: the dot products a
 * JavaScript loop would take, in SIMD code, 3.5–5× faster than the loop at every size measured
 * (bench/semantic-cache.ts).
 */
export class VectorRows {
  private matrix: Float32Array;
  private readonly ids: number[] = [];
  private readonly rowOf = new Map<number, number>();

  constructor(readonly dimensions: number) {
    this.matrix = new Float32Array(dimensions * FIRST_ROWS);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Bytes held by the rows (the array's capacity, not only the rows in use). */
  get bytes(): number {
    return this.matrix.byteLength;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** The ids, in no particular order. */
  allIds(): readonly number[] {
    return this.ids;
  }

  /** Makes room for `count` rows at once (a restore knows how many are coming). */
  reserve(count: number): void {
    if (count * this.dimensions > this.matrix.length) this.resize(count);
  }

  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions)
      throw new Error(`vector of ${vector.length} dimensions, ${this.dimensions} expected`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dimensions > this.matrix.length) this.resize(Math.max(FIRST_ROWS, row * 2));
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    this.matrix.set(vector, row * this.dimensions);
  }

  remove(id: number): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    const lastId = this.ids[last]!;
    if (row !== last) {
      this.matrix.copyWithin(row * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
      this.ids[row] = lastId;
      this.rowOf.set(lastId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    // Half the memory back once a quarter is used: growing and shrinking never alternate on one insertion.
    if (this.ids.length * 4 <= this.matrix.length / this.dimensions && this.ids.length >= FIRST_ROWS) {
      this.resize(this.ids.length * 2);
    }
    return true;
  }

  /** The row of `id` (a view: valid until the next add or remove). */
  vector(id: number): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.matrix.subarray(row * this.dimensions, (row + 1) * this.dimensions);
  }

  /** Cosine similarity of `id`'s vector and the unit vector `query`; -Infinity when `id` is not here. */
  similarity(id: number, query: Float32Array): number {
    const row = this.rowOf.get(id);
    if (row === undefined) return -Infinity;
    let dot = 0;
    for (let i = 0, at = row * this.dimensions; i < this.dimensions; i++, at++) dot += this.matrix[at]! * query[i]!;
    return dot;
  }

  /** The nearest row by an exact scan, or undefined when there is none. */
  nearest(query: Float32Array): Match | undefined {
    if (this.ids.length === 0) return undefined;
    const rows = this.matrix.subarray(0, this.ids.length * this.dimensions);
    // One thread: the scan runs on the event loop, and a thread pool per lookup would cost more than it saves here.
    const found = exactSearch(rows, query, this.dimensions, 1, MetricKind.IP, 1);
    const row = Number(found.keys[0]);
    // The inner-product distance is 1 - dot.
    return { id: this.ids[row]!, similarity: 1 - found.distances[0]! };
  }

  private resize(rows: number): void {
    const next = new Float32Array(rows * this.dimensions);
    next.set(this.matrix.subarray(0, Math.min(this.matrix.length, next.length)));
    this.matrix = next;
  }
}
