// fast-check arbitraries shared by property tests.
import fc from 'fast-check';
import { cidrRange, numberToIpv4, rangesOverlap } from '../runtime/net/cidr.js';

/** A canonical IPv4 CIDR (host bits cleared), prefix length within [minLen, maxLen]. */
export function canonicalCidr(minLen = 0, maxLen = 32): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: minLen, max: maxLen }))
    .map(([n, len]) => `${numberToIpv4(Math.floor(n / 2 ** (32 - len)) * 2 ** (32 - len))}/${len}`);
}

/** Keeps the first of any overlapping CIDRs, so the list fits an nftables interval set. */
export function dropOverlapping(cidrs: readonly string[]): string[] {
  return cidrs.reduce<string[]>(
    (kept, c) => (kept.some((k) => rangesOverlap(cidrRange(k), cidrRange(c))) ? kept : [...kept, c]),
    [],
  );
}

/** A list of canonical, pairwise non-overlapping CIDRs. */
export function disjointCidrs(
  opts: { minLength?: number; maxLength?: number; minLen?: number; maxLen?: number } = {},
): fc.Arbitrary<string[]> {
  return fc
    .array(canonicalCidr(opts.minLen ?? 0, opts.maxLen ?? 32), {
      minLength: opts.minLength ?? 0,
      maxLength: opts.maxLength ?? 20,
    })
    .map(dropOverlapping)
    .filter((list) => list.length >= (opts.minLength ?? 0));
}

/** A Linux interface name the SourceNat schema accepts (IFNAMSIZ - 1 = 15 characters). */
export const interfaceName: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/);

export const ipv4Address: fc.Arbitrary<string> = fc.ipV4();
