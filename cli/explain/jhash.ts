/** Linux's JHASH_INITVAL (include/linux/jhash.h). */
const JHASH_INITVAL = 0xdeadbeef;

const rol32 = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/**
 * The slot nft's `jhash ip saddr mod <mod> seed 0x0` gives an IPv4 source address, as the kernel computes it
 * (nft_jhash_eval): Linux's jhash() of the address's 4 bytes in network order with the seed, then
 * reciprocal_scale(hash, mod). The LoadBalancer's nftables path spreads `sh` services with it (seed 0, offset 0).
 */
export function jhashSlot(address: string, mod: number, seed = 0): number {
  const k = address.split('.').map(Number);
  let a = (JHASH_INITVAL + 4 + seed) >>> 0;
  let b = a;
  let c = a;
  // jhash() reads the key byte by byte: k[0] is the low byte of its first word.
  a = (a + ((k[0] ?? 0) | ((k[1] ?? 0) << 8) | ((k[2] ?? 0) << 16) | ((k[3] ?? 0) << 24))) >>> 0;
  // __jhash_final(a, b, c)
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  c = ((c ^ b) - rol32(b, 24)) >>> 0;
  // reciprocal_scale: (u32)(((u64)hash * mod) >> 32); exact in a double while hash * mod < 2^53.
  return Math.floor((c * mod) / 2 ** 32);
}
