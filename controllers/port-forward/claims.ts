import type { PortRange } from '../../policy/ports.js';
import type { Forward } from './forwards.js';

interface Claim {
  range: PortRange;
  forward: Forward;
}

/** Claims of one key, sorted by first port, and per position the claim reaching furthest up to it. */
interface KeyClaims {
  sorted: Claim[];
  furthest: Claim[];
}

/**
 * Port ranges claimed under string keys (a protocol; a target and side), for finding what a new claim overlaps in
 * O(log n). Resources are added one after the other as they are admitted; adding merges sorted runs, O(n) per
 * resource, where re-sorting every admitted forward for each candidate made a decode quadratic in resources.
 */
export class ClaimIndex {
  private readonly byKey = new Map<string, KeyClaims>();

  add(entries: readonly { key: string; claim: Claim }[]): void {
    const grouped = new Map<string, Claim[]>();
    for (const { key, claim } of entries) {
      const list = grouped.get(key);
      if (list) list.push(claim);
      else grouped.set(key, [claim]);
    }
    for (const [key, claims] of grouped) {
      const sorted = merge(this.byKey.get(key)?.sorted ?? [], claims.sort(byFirst));
      const furthest: Claim[] = [];
      for (const claim of sorted) {
        const before = furthest[furthest.length - 1];
        furthest.push(before && before.range.last >= claim.range.last ? before : claim);
      }
      this.byKey.set(key, { sorted, furthest });
    }
  }

  /** A claim under `key` overlapping `range` (the one reaching furthest among those starting at or below its end). */
  overlapping(key: string, range: PortRange): Forward | undefined {
    const claims = this.byKey.get(key);
    if (!claims) return undefined;
    let [low, high] = [0, claims.sorted.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((claims.sorted[mid]?.range.first ?? 0) <= range.last) low = mid + 1;
      else high = mid;
    }
    const reach = claims.furthest[low - 1];
    return reach && reach.range.last >= range.first ? reach.forward : undefined;
  }
}

function byFirst(a: Claim, b: Claim): number {
  return a.range.first - b.range.first;
}

function merge(a: readonly Claim[], b: readonly Claim[]): Claim[] {
  const out: Claim[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    const [x, y] = [a[i], b[j]];
    if (x && (!y || x.range.first <= y.range.first)) {
      out.push(x);
      i += 1;
    } else if (y) {
      out.push(y);
      j += 1;
    }
  }
  return out;
}
