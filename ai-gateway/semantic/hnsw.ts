import { Index, MetricKind, ScalarKind } from 'usearch';

/**
 * Graph degree and search effort, measured at 100k random 384-dimension unit vectors queried with paraphrases at
 * cosine 0.95 (random vectors are HNSW's hardest case; real embeddings cluster). usearch's defaults (degree 16,
 * search 64) found the paraphrased vector for 86 % of the queries, search 128 for 96 % at twice the time; degree 32
 * finds 99.7 % at search 64, for 128 more bytes of links per vector.
 */
const CONNECTIVITY = 32;
const EXPANSION_ADD = 128;
const EXPANSION_SEARCH = 64;

/**
 * usearch's HNSW graph over one partition's vectors, as a way to find candidates: the caller scores them exactly
 * from its own rows, so the graph may hold its vectors at half precision (f16, half the memory of f32; the ranking
 * it gives is what matters). Vectors reach the graph in slices of bounded time (`build`), because an insertion
 * costs ≈ 1–2 ms of the event loop at 384 dimensions; until they do, they wait in `backlog` and the caller scores
 * them directly.
 */
export class HnswGraph {
  private readonly index: Index;
  private readonly pending = new Set<number>();

  constructor(readonly dimensions: number) {
    this.index = new Index({
      dimensions,
      metric: MetricKind.IP,
      quantization: ScalarKind.F16,
      connectivity: CONNECTIVITY,
      expansion_add: EXPANSION_ADD,
      expansion_search: EXPANSION_SEARCH,
      multi: false,
    });
  }

  /** A graph saved by `save`, of these dimensions (usearch keeps the degree and search effort in the file). */
  static load(dimensions: number, path: string): HnswGraph {
    const graph = new HnswGraph(dimensions);
    graph.index.load(path);
    if (graph.index.dimensions() !== dimensions) throw new Error(`graph of ${graph.index.dimensions()} dimensions`);
    return graph;
  }

  save(path: string): void {
    this.index.save(path);
  }

  /** Whether `id` is queued and not yet in the graph. */
  waiting(id: number): boolean {
    return this.pending.has(id);
  }

  /** Ids queued and not yet in the graph. */
  get backlog(): number {
    return this.pending.size;
  }

  queue(id: number): void {
    this.pending.add(id);
  }

  remove(id: number): void {
    if (this.pending.delete(id)) return;
    try {
      this.index.remove(BigInt(id));
    } catch {
      // Left in the graph, it is a candidate the caller's own rows no longer score: never a match.
    }
  }

  /**
   * Adds queued vectors until `deadline` (performance.now() ms) or the queue is empty; returns whether it is.
   * `vectorOf` gives the vector of an id still held (an id gone meanwhile is skipped). Runs on a timer, so it never
   * throws: a vector usearch refuses (out of memory) is left out of the graph, a hit the graph may miss.
   */
  build(vectorOf: (id: number) => Float32Array | undefined, deadline: number): boolean {
    for (const id of this.pending) {
      if (performance.now() >= deadline) return false;
      this.pending.delete(id);
      const vector = vectorOf(id);
      try {
        if (vector) this.index.add(BigInt(id), vector, 1);
      } catch {
        // Left out of the graph (see above).
      }
    }
    return true;
  }

  /** The ids of the graph's `k` nearest vectors to `query`, then every queued id. */
  candidates(query: Float32Array, k: number): number[] {
    const ids: number[] = [];
    if (this.index.size() > 0) for (const key of this.index.search(query, k, 1).keys) ids.push(Number(key));
    for (const id of this.pending) ids.push(id);
    return ids;
  }
}
