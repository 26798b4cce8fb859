/**
 * A layer's elements spread over several sets once it grows large. nft commits an element change by cloning the
 * whole concatenated interval (pipapo) set it touches, so one edit costs O(set size) in the kernel: sets of at most
 * MAX_SHARD_ELEMENTS keep that cost flat in the policy's size (figures in docs/benchmarks.md). A layer's elements
 * are pairwise disjoint, so any split of it is safe: its lookups are consecutive and of one action.
 */
export const MAX_SHARD_ELEMENTS = 1024;

/**
 * A power of two, so the count changes only when the layer doubles or halves past MAX_SHARD_ELEMENTS · 2^k; an
 * element's shard is then its hash modulo the count, and an edit elsewhere never moves it. (The count cannot keep
 * a memory of the previous one: the compile must stay a function of the spec.)
 */
export function shardCount(elements: number): number {
  let count = 1;
  while (elements > count * MAX_SHARD_ELEMENTS) count *= 2;
  return count;
}

/** FNV-1a of the canonical element string: the same shard for the same element on every instance and every run. */
export function elementHash(element: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < element.length; i++) {
    hash ^= element.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Splits elements (in policy order, with their elementHash) by shard, keeping policy order within each shard. */
export function splitShards(elements: readonly string[], hashes: readonly number[]): string[][] {
  const count = shardCount(elements.length);
  if (count === 1) return [[...elements]];
  const shards: string[][] = Array.from({ length: count }, () => []);
  elements.forEach((element, i) => shards[(hashes[i] as number) % count]?.push(element));
  return shards;
}
