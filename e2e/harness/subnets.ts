// Picks random free /24 subnets for a run's networks, so concurrent or
// leftover runs (and the host's own routes) never collide with ours.
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dockerode } from './docker.js';

/** The block test subnets are drawn from: 10.128.0.0/9 (32768 /24s). */
const BLOCK_BASE = (10 << 24) | (128 << 16);
const BLOCK_SLOTS = 1 << 15;

interface Range {
  start: number;
  end: number;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function cidrRange(cidr: string): Range | undefined {
  const [ip, bits] = cidr.split('/');
  if (ip === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return undefined; // IPv6
  const size = 2 ** (32 - Number(bits ?? 32));
  const start = Math.floor(toInt(ip) / size) * size;
  return { start, end: start + size - 1 };
}

async function dockerSubnets(): Promise<Range[]> {
  const networks = await (await dockerode()).listNetworks();
  const subnets = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ''));
  return subnets.map(cidrRange).filter((r): r is Range => r !== undefined);
}

// /proc/net/route holds little-endian hex destination and mask; the default
// route (mask 0) overlaps everything and is skipped.
async function hostRoutes(): Promise<Range[]> {
  const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
  const hexToIp = (hex: string): number => Buffer.from(hex, 'hex').readUInt32LE(0);
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length > 7 && cols[7] !== '00000000')
    .map((cols) => {
      const start = hexToIp(cols[1] ?? '0');
      return { start, end: start + (2 ** 32 - 1 - hexToIp(cols[7] ?? '0')) };
    });
}

/** The first host address of a CIDR (what Docker's IPAM would pick as the bridge address). */
export function firstHost(cidr: string): string {
  return toIp(toInt(cidr.split('/')[0] ?? '') + 1);
}

const overlaps = (a: Range, b: Range): boolean => a.start <= b.end && b.start <= a.end;

/** Returns `count` distinct /24 CIDRs that overlap no Docker network or host route. */
export async function pickFreeSubnets(count: number): Promise<string[]> {
  const taken = [...(await dockerSubnets()), ...(await hostRoutes())];
  const picked: string[] = [];
  for (let attempt = 0; picked.length < count && attempt < 1000; attempt += 1) {
    const start = BLOCK_BASE + randomInt(BLOCK_SLOTS) * 256;
    const candidate = { start, end: start + 255 };
    if (taken.some((range) => overlaps(range, candidate))) continue;
    taken.push(candidate);
    picked.push(`${toIp(start)}/24`);
  }
  if (picked.length < count) throw new Error('no free /24 left in 10.128.0.0/9');
  return picked;
}
