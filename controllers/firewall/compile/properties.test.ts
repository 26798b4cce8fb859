// The compiled table against the policy it came from: same decisions, and sets the kernel accepts.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PortRange } from '../../../policy/ports.js';
import { sortElements } from '../../../renderers/nft/elements.js';
import { canonicalCidr, cidrRange, ipv4ToNumber, numberToIpv4 } from '../../../runtime/net/cidr.js';
import { dropOverlapping } from '../../../testing/arbitraries.js';
import type { ChainPolicy, CompiledFirewall, FirewallAction, FirewallDesired, FirewallPacket } from '../types.js';
import { compileFirewall } from './compile.js';
import { evaluateCompiled } from './evaluate.js';
import { firstMatch } from './first-match.js';

const BASE = ipv4ToNumber('10.0.0.0');
const ACTIONS: FirewallAction[] = ['allow', 'deny', 'reject'];

// Prefixes in two small regions, so rules nest, overlap and share boundaries often; now and then a wide one.
const cidr = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(0, 64), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 26, max: 32 }))
      .map(([region, offset, len]) => canonicalCidr(`${numberToIpv4(BASE + region + offset)}/${len}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/25') },
);
const cidrs = fc.array(cidr, { maxLength: 2 }).map(dropOverlapping);

const portRange: fc.Arbitrary<PortRange> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.nat(30), fc.nat(8)).map(([first, width]) => ({ first, last: first + width })) },
  { weight: 1, arbitrary: fc.constantFrom({ first: 0, last: 65535 }, { first: 65535, last: 65535 }) },
);
const ports = fc
  .array(portRange, { maxLength: 2 })
  .map((list) => list.filter((p, i) => list.every((q, j) => j >= i || p.last < q.first || q.last < p.first)));

const rule = fc
  .record({
    action: fc.constantFrom(...ACTIONS),
    sources: cidrs,
    destinations: cidrs,
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'any'),
    ports,
  })
  .map((r) => ({ ...r, ports: r.protocol === 'tcp' || r.protocol === 'udp' ? r.ports : [] }));

const chainPolicy = (prefix: string): fc.Arbitrary<ChainPolicy> =>
  fc
    .record({
      rules: fc.integer({ min: 0, max: 200 }).chain((n) => fc.array(rule, { minLength: n, maxLength: n })),
      defaultAction: fc.constantFrom(...ACTIONS),
    })
    .map(({ rules, defaultAction }) => ({
      rules: rules.map((r, i) => ({ ...r, id: `${prefix}[${i}]` })),
      defaultAction,
    }));

const desiredArb: fc.Arbitrary<FirewallDesired> = fc
  .record({ forward: chainPolicy('fwd'), input: fc.option(chainPolicy('in'), { nil: undefined }) })
  .map(({ forward, input }) => (input ? { forward, input } : { forward }));

/** Packets aimed at the rules' edges (first and last address and port, and one past each) or near them. */
function packetsFor(desired: FirewallDesired): fc.Arbitrary<FirewallPacket[]> {
  const rules = [...desired.forward.rules, ...(desired.input?.rules ?? [])];
  const edges = rules
    .flatMap((r) => [...r.sources, ...r.destinations].map(cidrRange))
    .flatMap(({ first, last }) => [first - 1, first, last, last + 1])
    .filter((n) => n >= 0 && n < 2 ** 32);
  const portEdges = rules.flatMap((r) => r.ports.flatMap((p) => [p.first - 1, p.first, p.last, p.last + 1]));
  const address = fc.oneof(
    fc.integer({ min: BASE - 2, max: BASE + 130 }),
    ...(edges.length > 0 ? [fc.constantFrom(...edges)] : []),
  );
  const dport = fc.oneof(fc.nat(40), ...(portEdges.length > 0 ? [fc.constantFrom(...portEdges)] : []));
  const packet = fc
    .record({
      src: address.map(numberToIpv4),
      dst: address.map(numberToIpv4),
      protocol: fc.constantFrom<FirewallPacket['protocol']>('tcp', 'udp', 'icmp'),
      dport: fc.option(
        dport.filter((p) => p >= 0 && p <= 65535),
        { nil: undefined, freq: 8 },
      ),
    })
    .map(({ dport: port, ...p }) => (p.protocol === 'icmp' || port === undefined ? p : { ...p, dport: port }));
  return fc.array(packet, { minLength: 1, maxLength: 25 });
}

const withPackets = desiredArb.chain((desired) => fc.tuple(fc.constant(desired), packetsFor(desired)));

/** [lo, hi] of each component of a canonical element, parsed independently of the compiler. */
function componentSpans(element: string): [number, number][] {
  return element.split(' . ').map((c) => {
    if (c.includes('/')) return [cidrRange(c).first, cidrRange(c).last];
    const [a = '', b = a] = c.split('-');
    return [Number(a), Number(b)];
  });
}

/** Pairs of elements whose boxes intersect in every component: none may exist in one set. */
function overlappingPairs(elements: readonly string[]): [string, string][] {
  const spans = elements.map(componentSpans);
  const pairs: [string, string][] = [];
  spans.forEach((x, i) =>
    spans.forEach((y, j) => {
      const meet = x.every(([lo, hi], k) => lo <= (y[k]?.[1] ?? -1) && (y[k]?.[0] ?? Infinity) <= hi);
      if (j > i && meet) pairs.push([elements[i] ?? '', elements[j] ?? '']);
    }),
  );
  return pairs;
}

const ADDRESS = String.raw`\d+\.\d+\.\d+\.\d+/\d+`;
const SPAN = String.raw`\d+(-\d+)?`;
const CANONICAL = new RegExp(`^${ADDRESS} \\. ${ADDRESS} \\. (1|6|17|0-255) \\. ${SPAN}$`);

function expectCanonical(element: string): void {
  expect(element).toMatch(CANONICAL);
  const [src = '', dst = '', , port = ''] = element.split(' . ');
  expect([canonicalCidr(src), canonicalCidr(dst)]).toEqual([src, dst]);
  const [first, last] = port.split('-').map(Number);
  if (last !== undefined) expect(first).toBeLessThan(last);
  expect(last ?? first).toBeLessThanOrEqual(65535);
}

describe('compiled firewall properties', () => {
  it('decides every packet as the policy does: same action and same rule', () => {
    fc.assert(
      fc.property(withPackets, ([desired, packets]) => {
        const compiled = compileFirewall(desired);
        for (const chain of ['forward', 'input'] as const) {
          const policy = desired[chain];
          if (!policy) continue;
          for (const packet of packets) {
            const { action, ruleId } = evaluateCompiled(compiled, chain, packet, desired);
            expect({ action, ruleId }).toEqual(firstMatch(policy, packet));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('builds sets the kernel accepts: canonical, sorted, pairwise disjoint elements; one lookup each', () => {
    fc.assert(
      fc.property(desiredArb, (desired) => {
        const compiled: CompiledFirewall = compileFirewall(desired);
        for (const set of compiled.table.sets) {
          expect(set.elements.length).toBeGreaterThan(0);
          expect(set.elements).toEqual(sortElements(set.elements));
          set.elements.forEach(expectCanonical);
          expect(overlappingPairs(set.elements)).toEqual([]);
        }
        for (const group of compiled.groups) {
          const chain = compiled.table.chains.find((c) => c.name === group.chain);
          const expr = JSON.stringify(chain?.rules[group.ruleIndex]?.expr[0]);
          expect(expr).toContain(`"right":"@${group.set}"`);
        }
        expect(compiled.groups.map((g) => g.set)).toEqual(compiled.table.sets.map((s) => s.name));
      }),
      { numRuns: 60 },
    );
  });
});
