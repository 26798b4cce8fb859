import { describe, expect, it } from '@jest/globals';
import { jhashSlot } from './jhash.js';

describe('jhashSlot', () => {
  // Read from the kernel (6.x): in a fresh network namespace, `udp dport 9999 jhash ip saddr mod 7 seed 0x0 <n>
  // counter` rules for n = 0..6 in an output chain, one datagram sent from each source, the counter that moved.
  it.each([
    ['127.0.0.1', 2],
    ['127.0.0.2', 5],
    ['127.1.2.3', 1],
    ['127.200.10.7', 3],
    ['127.45.67.89', 6],
    ['127.255.255.254', 3],
    ['127.9.8.7', 5],
    ['127.3.3.3', 3],
  ])('gives %s the slot the kernel gives it (mod 7, seed 0)', (address, slot) => {
    expect(jhashSlot(address, 7)).toBe(slot);
  });

  it('stays within the modulus, large ones included', () => {
    for (const mod of [1, 2, 3, 256, 1000, 256_000]) {
      for (const address of ['0.0.0.0', '10.0.0.1', '203.0.113.77', '255.255.255.255']) {
        const slot = jhashSlot(address, mod);
        expect(Number.isInteger(slot) && slot >= 0 && slot < mod).toBe(true);
      }
    }
  });

  it('depends on the seed', () => {
    const seeds = new Set([0, 1, 2, 3, 4, 5].map((seed) => jhashSlot('127.0.0.1', 1000, seed)));
    expect(seeds.size).toBeGreaterThan(1);
  });
});
