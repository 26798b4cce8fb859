import type { Forward } from '../../controllers/port-forward/forwards.js';
import type { FirewallProtocol, PolicyRule } from '../../controllers/firewall/types.js';
import type { PortRange } from '../../policy/ports.js';
import { cidrRange, numberToIpv4, rangesOverlap } from '../../runtime/net/cidr.js';

/**
 * Deterministic rule lists for the data-plane benchmarks: the same seed gives the same policy on every machine, so
 * runs compare. The mix imitates a hand-grown gateway policy: mostly deny rules over private (10.0.0.0/8) and a few
 * public ranges, /16 to /32, tcp/udp/icmp/any with some port ranges, and allow exceptions carved out of the deny
 * that follows them (first match wins), which is what makes rules overlap.
 */

/** mulberry32: small, fast and good enough to draw rule shapes. Returns a float in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, weighted: readonly (readonly [T, number])[]): T {
  let r = rng() * weighted.reduce((acc, [, w]) => acc + w, 0);
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** Where rule addresses come from: mostly the VPC's 10.0.0.0/8, then some public ranges. */
const POOLS: readonly (readonly [{ base: number; len: number }, number])[] = [
  [{ base: 0x0a000000, len: 8 }, 70], // 10.0.0.0/8
  [{ base: 0x34000000, len: 8 }, 10], // 52.0.0.0/8
  [{ base: 0xc6120000, len: 15 }, 10], // 198.18.0.0/15
  [{ base: 0x68100000, len: 12 }, 10], // 104.16.0.0/12
];

const PREFIX_LENGTHS: readonly (readonly [number, number])[] = [
  [16, 5],
  [20, 5],
  [24, 30],
  [28, 15],
  [32, 45],
];

export interface GenOptions {
  /** Address ranges no rule may touch (the benchmark's own traffic), as CIDRs. */
  avoid?: readonly string[];
}

function randomCidr(rng: Rng, avoid: readonly string[]): string {
  for (;;) {
    const pool = pick(rng, POOLS);
    const len = Math.max(pool.len, pick(rng, PREFIX_LENGTHS));
    const offset = Math.floor(rng() * 2 ** (32 - pool.len));
    const size = 2 ** (32 - len);
    const base = pool.base + offset - (offset % size);
    const cidr = `${numberToIpv4(base)}/${len}`;
    if (!avoid.some((a) => rangesOverlap(cidrRange(a), cidrRange(cidr)))) return cidr;
  }
}

/** 0 (any, 10 %), one (75 %) or two to three pairwise disjoint CIDRs. */
function cidrList(rng: Rng, anyWeight: number, avoid: readonly string[]): string[] {
  const count = pick(rng, [
    [0, anyWeight],
    [1, 75],
    [2, 10],
    [3, 5],
  ]);
  const out: string[] = [];
  while (out.length < count) {
    const cidr = randomCidr(rng, avoid);
    if (!out.some((c) => rangesOverlap(cidrRange(c), cidrRange(cidr)))) out.push(cidr);
  }
  return out;
}

const WELL_KNOWN_PORTS = [22, 53, 80, 123, 443, 3306, 5432, 6379, 8080, 8443, 9090, 27017];

function portList(rng: Rng): PortRange[] {
  const shape = pick(rng, [
    ['any', 10],
    ['one', 65],
    ['range', 20],
    ['two', 5],
  ] as const);
  const one = (): PortRange => {
    const p = rng() < 0.6 ? WELL_KNOWN_PORTS[int(rng, 0, WELL_KNOWN_PORTS.length - 1)]! : int(rng, 1024, 65000);
    return { first: p, last: p };
  };
  if (shape === 'any') return [];
  if (shape === 'one') return [one()];
  if (shape === 'range') {
    const first = int(rng, 1024, 60000);
    return [{ first, last: first + int(rng, 1, 500) }];
  }
  const [a, b] = [one(), one()].sort((x, y) => x.first - y.first) as [PortRange, PortRange];
  return a.first === b.first ? [a] : [a, b];
}

function protocol(rng: Rng): FirewallProtocol {
  return pick(rng, [
    ['tcp', 55],
    ['udp', 20],
    ['icmp', 10],
    ['any', 15],
  ] as const);
}

function denyRule(rng: Rng, id: string, avoid: readonly string[]): PolicyRule {
  const proto = protocol(rng);
  return {
    id,
    action: 'deny',
    sources: cidrList(rng, 2, avoid),
    destinations: cidrList(rng, 0, avoid),
    protocol: proto,
    ports: proto === 'tcp' || proto === 'udp' ? portList(rng) : [],
  };
}

/** A host or /28 inside the first source of `deny` (or anywhere when it has none), on one of its ports. */
function exceptionFor(rng: Rng, deny: PolicyRule, id: string, avoid: readonly string[]): PolicyRule {
  const narrow = (cidrs: readonly string[]): string[] => {
    const first = cidrs[0];
    if (!first) return [randomCidr(rng, avoid)];
    const { first: lo, last: hi } = cidrRange(first);
    const len = Math.max(Number(first.split('/')[1]), rng() < 0.7 ? 32 : 28);
    const size = 2 ** (32 - len);
    const at = lo + Math.floor((rng() * (hi - lo + 1)) / size) * size;
    return [`${numberToIpv4(at)}/${len}`];
  };
  const ports = deny.ports.length > 0 ? [deny.ports[0]!] : [];
  return { ...deny, id, action: 'allow', sources: narrow(deny.sources), ports };
}

/** `count` rules; about one deny in six is preceded by an allow exception inside it. */
export function firewallRules(count: number, seed: number, opts: GenOptions = {}): PolicyRule[] {
  const rng = seededRandom(seed);
  const avoid = opts.avoid ?? [];
  const rules: PolicyRule[] = [];
  while (rules.length < count) {
    const deny = denyRule(rng, '', avoid);
    if (rules.length + 1 < count && rng() < 1 / 6) {
      rules.push(exceptionFor(rng, deny, `bench/rules[${rules.length}]`, avoid));
    }
    rules.push({ ...deny, id: `bench/rules[${rules.length}]` });
  }
  return rules;
}

/**
 * `count` forwards as PortForward admits them: one listen port each (tcp and udp alternate through 10000-…), to
 * distinct targets in 10.0.0.0/8, a tenth restricted to a source CIDR, a fifth keeping the listen port, a quarter masqueraded.
 */
export function portForwards(count: number, seed: number): Forward[] {
  const rng = seededRandom(seed);
  return Array.from({ length: count }, (_, i): Forward => {
    const port = 10000 + Math.floor(i / 2);
    const keepPort = rng() < 0.2;
    return {
      resource: `bench-${Math.floor(i / 1000)}`,
      rule: i % 1000,
      listenField: 'listenPort',
      protocol: i % 2 === 0 ? 'tcp' : 'udp',
      listen: { first: port, last: port },
      // A multiplicative hash with an odd factor is a bijection mod 2^24: every forward has a target of its own.
      destinationIp: numberToIpv4(0x0a000000 + ((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 0x1000000)),
      ...(keepPort ? {} : { destinationPort: WELL_KNOWN_PORTS[int(rng, 0, WELL_KNOWN_PORTS.length - 1)]! }),
      sources: rng() < 0.1 ? [randomCidr(rng, [])] : ['0.0.0.0/0'],
      masquerade: rng() < 0.25,
    };
  });
}
