import type { Box, Prefix, Span } from './box.js';

/** The boxes under one prefix; a big bucket is indexed again by the other address. */
interface Bucket extends Span {
  /** The nearest bucket whose prefix encloses this one, -1 for none. */
  parent: number;
  ids: number[];
  refined?: PrefixIndex;
}

/** Buckets smaller than this are checked one box at a time: an index over a handful of boxes costs more than it saves. */
const REFINE_ABOVE = 32;

/**
 * Box ids keyed by CIDR prefix, buckets in tree pre-order (by first address, enclosing prefixes first). Prefixes nest
 * or are disjoint, so a query's overlapping buckets are the run that starts inside it (its descendants) and the
 * enclosing chain of the bucket before that run (its ancestors): one binary search per query.
 */
class PrefixIndex {
  private readonly buckets: Bucket[] = [];
  /** Each bucket's first address, for the binary search. */
  private readonly starts: number[] = [];

  constructor(ids: readonly number[], prefixOf: (id: number) => Prefix, refine?: (ids: number[]) => PrefixIndex) {
    // Pre-order: by first address, then by length (enclosing first); a stable sort of ascending ids, so every
    // bucket's ids ascend too.
    const keys = ids.map((id) => prefixOf(id).lo * 64 + prefixOf(id).len);
    const order = ids.map((_, at) => at).sort((a, b) => (keys[a] as number) - (keys[b] as number));
    const open: number[] = [];
    for (const at of order) {
      const id = ids[at] as number;
      const { lo, hi } = prefixOf(id);
      const last = this.buckets[this.buckets.length - 1];
      if (last?.lo === lo && last.hi === hi) {
        last.ids.push(id);
        continue;
      }
      while (open.length > 0 && (this.buckets[open[open.length - 1] as number] as Bucket).hi < hi) open.pop();
      this.buckets.push({ lo, hi, parent: open[open.length - 1] ?? -1, ids: [id] });
      this.starts.push(lo);
      open.push(this.buckets.length - 1);
    }
    if (!refine) return;
    for (const bucket of this.buckets) if (bucket.ids.length > REFINE_ABOVE) bucket.refined = refine(bucket.ids);
  }

  /** Calls visit with every bucket whose prefix overlaps the query. */
  forEachOverlapping(query: Span, visit: (bucket: Bucket) => void): void {
    const { buckets, starts } = this;
    const first = lowerBound(starts, query.lo);
    for (let i = first; i < starts.length && (starts[i] as number) <= query.hi; i++) visit(buckets[i] as Bucket);
    // Enclosing buckets start before the query; skipped ones (ending before it) are few, at most one per level.
    for (let j = first - 1; j >= 0;) {
      const bucket = buckets[j] as Bucket;
      if (bucket.hi >= query.lo) visit(bucket);
      j = bucket.parent;
    }
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A static index of boxes by source prefix and, separately, by destination prefix; big buckets (the boxes of a wide
 * 0.0.0.0/0 side) are indexed again by the other address. A query walks the index of its narrower address and checks
 * every dimension of the few candidates: near linear for typical lists where a pairwise scan would be quadratic.
 */
export class BoxIndex {
  private readonly bySource: PrefixIndex;
  private readonly byDestination: PrefixIndex;
  /** [lo, hi] of src, dst, proto and port per box, flat: a candidate check reads one array, not eight objects. */
  private readonly bounds: Float64Array;

  constructor(private readonly boxes: readonly Box[]) {
    const srcOf = (id: number): Prefix => (boxes[id] as Box).src;
    const dstOf = (id: number): Prefix => (boxes[id] as Box).dst;
    const all = boxes.map((_, id) => id);
    this.bySource = new PrefixIndex(all, srcOf, (ids) => new PrefixIndex(ids, dstOf));
    this.byDestination = new PrefixIndex(all, dstOf, (ids) => new PrefixIndex(ids, srcOf));
    this.bounds = new Float64Array(boxes.length * 8);
    boxes.forEach((b, id) => {
      this.bounds.set([b.src.lo, b.src.hi, b.dst.lo, b.dst.hi, b.proto.lo, b.proto.hi, b.port.lo, b.port.hi], id * 8);
    });
  }

  /**
   * Calls visit with the id of every earlier box (by position in the constructor's list) that overlaps box `id`.
   * Bucket ids ascend, so each bucket's scan stops at the first later box.
   */
  forEachEarlierOverlapping(id: number, visit: (earlier: number) => void): void {
    const { src, dst } = this.boxes[id] as Box;
    const bySource = src.len >= dst.len;
    const check = (ids: readonly number[]): void => {
      for (let i = 0; i < ids.length && (ids[i] as number) < id; i++) {
        if (this.overlaps(ids[i] as number, id)) visit(ids[i] as number);
      }
    };
    (bySource ? this.bySource : this.byDestination).forEachOverlapping(bySource ? src : dst, (bucket) => {
      if (bucket.refined) bucket.refined.forEachOverlapping(bySource ? dst : src, (b) => check(b.ids));
      else check(bucket.ids);
    });
  }

  private overlaps(a: number, b: number): boolean {
    const { bounds } = this;
    for (let i = a * 8, j = b * 8, end = a * 8 + 8; i < end; i += 2, j += 2) {
      if ((bounds[i] as number) > (bounds[j + 1] as number) || (bounds[j] as number) > (bounds[i + 1] as number)) {
        return false;
      }
    }
    return true;
  }
}
