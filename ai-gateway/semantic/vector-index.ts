import { HnswGraph } from './hnsw.js';
import { VectorRows, type Match } from './vector-rows.js';

export type { Match } from './vector-rows.js';

/**
 * Up to this many vectors a partition is scanned exactly; above it, an HNSW graph finds the candidates. Measured
 * (bench/semantic-cache.ts crossover sweep, 384 dimensions, Node 24, p50 per lookup): exact 0.05 ms at 1,000 vectors
 * against 0.07 for the graph, both 0.10 at 2,000, then 0.26 against 0.14 at 5,000 and 0.55 against 0.20 at 10,000:
 * the scan grows with the partition, the graph barely. Below the crossover the scan is also exact and costs nothing
 * to insert into.
 */
export const DEFAULT_EXACT_SCAN_UP_TO = 2_000;
/** Graph candidates scored exactly: the nearest by the graph's f16 copy, re-ranked in f32. */
const CANDIDATES = 8;
/** Up to this many vectors waiting for the graph are scored one by one; more, and one exact scan is cheaper. */
const BACKLOG_SCORED = 256;
/** The event loop's longest stretch spent building a graph before other work gets its turn. */
const SLICE_MS = 2;

interface Partition {
  rows: VectorRows;
  graph: HnswGraph | undefined;
}

export interface VectorIndexOptions {
  dimensions: number;
  exactScanUpTo?: number;
}

/**
 * Unit vectors by partition. A search looks in one partition only, so a match never crosses partitions by
 * construction. Small partitions are scanned exactly; large ones also get an HNSW graph, built in the background.
 */
export class VectorIndex {
  readonly dimensions: number;
  private readonly exactScanUpTo: number;
  private readonly partitions = new Map<string, Partition>();
  private building: NodeJS.Immediate | undefined;
  private count = 0;

  constructor(options: VectorIndexOptions) {
    this.dimensions = options.dimensions;
    this.exactScanUpTo = options.exactScanUpTo ?? DEFAULT_EXACT_SCAN_UP_TO;
  }

  /** Vectors held, in all partitions. */
  get size(): number {
    return this.count;
  }

  /** Vectors queued for a graph and not in it yet, in all partitions. */
  get backlog(): number {
    let waiting = 0;
    for (const { graph } of this.partitions.values()) waiting += graph?.backlog ?? 0;
    return waiting;
  }

  /** Makes room for `count` vectors in `partition` at once (a restore knows how many are coming). */
  reserve(partition: string, count: number): void {
    this.partitionOf(partition).rows.reserve(count);
  }

  /** Adds (or replaces) `id`'s unit vector in `partition`. */
  add(partition: string, id: number, vector: Float32Array): void {
    const part = this.partitionOf(partition);
    if (part.rows.has(id)) part.graph?.remove(id);
    else this.count++;
    part.rows.add(id, vector);
    if (part.graph) part.graph.queue(id);
    else if (part.rows.size > this.exactScanUpTo) {
      part.graph = new HnswGraph(this.dimensions);
      for (const held of part.rows.allIds()) part.graph.queue(held);
    } else return;
    this.schedule();
  }

  remove(partition: string, id: number): boolean {
    const part = this.partitions.get(partition);
    if (!part?.rows.remove(id)) return false;
    this.count--;
    part.graph?.remove(id);
    if (part.rows.size === 0) this.partitions.delete(partition);
    // Hysteresis: the graph goes at half the crossover, so a partition at the crossover does not rebuild it.
    else if (part.rows.size <= this.exactScanUpTo / 2) part.graph = undefined;
    return true;
  }

  /** Each partition with a graph, and the ids in it (not those waiting): what a shutdown saves. */
  graphs(): { partition: string; graph: HnswGraph; ids: number[] }[] {
    return [...this.partitions].flatMap(([partition, { rows, graph }]) =>
      graph ? [{ partition, graph, ids: rows.allIds().filter((id) => !graph.waiting(id)) }] : [],
    );
  }

  /**
   * Puts a saved graph holding `ids` in place of `partition`'s graph: ids removed since it was saved leave it, ids
   * it lacks are queued. Returns false (and changes nothing) when the partition is too small to have a graph.
   */
  adoptGraph(partition: string, graph: HnswGraph, ids: readonly number[]): boolean {
    const part = this.partitions.get(partition);
    if (!part?.graph) return false;
    const saved = new Set(ids);
    for (const id of saved) if (!part.rows.has(id)) graph.remove(id);
    for (const id of part.rows.allIds()) if (!saved.has(id)) graph.queue(id);
    part.graph = graph;
    if (graph.backlog > 0) this.schedule();
    return true;
  }

  /** The vector of `id` in `partition` (a view: valid until the partition next changes). */
  vector(partition: string, id: number): Float32Array | undefined {
    return this.partitions.get(partition)?.rows.vector(id);
  }

  /** The most similar vector of `partition` to the unit vector `query`, when its similarity is at least `threshold`. */
  best(partition: string, query: Float32Array, threshold: number): Match | undefined {
    const part = this.partitions.get(partition);
    if (!part || query.length !== this.dimensions) return undefined;
    const match =
      (part.graph && part.graph.backlog <= BACKLOG_SCORED && rerank(part, query)) || part.rows.nearest(query);
    return match && match.similarity >= threshold ? match : undefined;
  }

  /** Builds every graph to the end now, on the caller's time (tests, benchmarks, before a measurement). */
  drain(): void {
    for (const part of this.partitions.values()) part.graph?.build((id) => part.rows.vector(id), Infinity);
  }

  /** Stops building graphs in the background (a lookup then scans what the graphs miss). */
  close(): void {
    if (this.building) clearImmediate(this.building);
    this.building = undefined;
  }

  private partitionOf(partition: string): Partition {
    let part = this.partitions.get(partition);
    if (!part) {
      part = { rows: new VectorRows(this.dimensions), graph: undefined };
      this.partitions.set(partition, part);
    }
    return part;
  }

  private schedule(): void {
    if (this.building) return;
    this.building = setImmediate(() => this.buildSlice());
    // A graph being built is no reason to keep the process alive.
    this.building.unref();
  }

  private buildSlice(): void {
    this.building = undefined;
    const deadline = performance.now() + SLICE_MS;
    let done = true;
    for (const part of this.partitions.values()) {
      if (!part.graph || part.graph.backlog === 0) continue;
      done = part.graph.build((id) => part.rows.vector(id), deadline);
      if (!done) break;
    }
    if (!done) this.schedule();
  }
}

/** The graph's best candidate scored exactly; undefined when the graph fails (the caller then scans). */
function rerank(part: Partition, query: Float32Array): Match | undefined {
  let candidates: number[];
  try {
    candidates = part.graph!.candidates(query, CANDIDATES);
  } catch {
    return undefined;
  }
  let best: Match | undefined;
  for (const id of candidates) {
    const similarity = part.rows.similarity(id, query);
    if (!best || similarity > best.similarity) best = { id, similarity };
  }
  return best;
}
