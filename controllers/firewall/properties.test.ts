// The properties the project requires of every controller, checked with the in-memory nft:
// (a) one pass converges: applying the plan and observing again gives an empty plan, from any starting state, and
//     so does a second, incremental pass (element deltas through OwnedTable's cache);
// (b) a plan never touches a table other than inet csgw_filter;
// (c) the table the kernel ends up with decides packets as the policy's first matching rule does.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { NftTable } from '../../renderers/nft/model.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import { numberToIpv4 } from '../../runtime/net/cidr.js';
import { dropOverlapping } from '../../testing/arbitraries.js';
import { decoded, firewallHarness, fwSnapshot, replan, reconcilePass } from '../../testing/firewall-fixtures.js';
import { compileFirewall } from './compile/compile.js';
import { evaluateCompiled } from './compile/evaluate.js';
import { firstMatch } from './compile/first-match.js';
import type { FirewallPacket } from './types.js';

/** CIDRs inside 10.0.0.0/16, so rules of different resources overlap often and grouping has work to do. */
const cidr = fc
  .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 16, max: 32 }))
  .map(([n, len]) => `${numberToIpv4(0x0a000000 + Math.floor(n / 2 ** (32 - len)) * 2 ** (32 - len))}/${len}`);
const cidrs = fc.array(cidr, { minLength: 1, maxLength: 3 }).map(dropOverlapping);
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const action = fc.constantFrom('allow', 'deny', 'reject');

/** Disjoint ports: sorted distinct numbers, consecutive pairs as ranges when asked. */
const ports = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([numbers, ranges]) => {
    const sorted = [...numbers].sort((a, b) => a - b);
    if (!ranges || sorted.length < 2) return sorted;
    return [`${sorted[0]}-${sorted[1]}`, ...sorted.slice(2)];
  });

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const ruleArb = fc
  .record({
    action,
    sourceCidrs: optional(cidrs),
    destinationCidrs: optional(cidrs),
    protocolPorts: fc.oneof(
      fc.constantFrom({ protocol: 'any' }, { protocol: 'icmp' }, { protocol: 'tcp' }),
      fc.tuple(fc.constantFrom('tcp', 'udp'), ports).map(([protocol, p]) => ({ protocol, destinationPorts: p })),
    ),
  })
  .map(({ protocolPorts, ...rest }) => defined({ ...rest, ...protocolPorts }));

const specArb = fc
  .record({
    order: optional(fc.constantFrom(0, 10, 1000)),
    defaultAction: optional(action),
    rules: fc.array(ruleArb, { maxLength: 6 }),
    input: optional(fc.record({ defaultAction: optional(action), rules: fc.array(ruleArb, { maxLength: 3 }) })),
  })
  .map((spec) => defined({ ...spec, ...(spec.input ? { input: defined(spec.input) } : {}) }));

const snapshotArb: fc.Arbitrary<KindSnapshot> = fc
  .uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), spec: specArb }), {
    maxLength: 4,
    selector: (r) => r.name,
  })
  .map((resources) => fwSnapshot(...resources));

/** What the kernel may hold at start: nothing, a table from another policy, or one a human edited. */
const startTableArb: fc.Arbitrary<NftTable | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.tuple(fc.array(ruleArb, { maxLength: 4 }), fc.boolean()).map(([rules, junk]) => {
    const h = firewallHarness();
    const desired = decoded(h.controller, fwSnapshot({ name: 'old', spec: { rules } }));
    const table = desired.spec.policy ? compileFirewall(desired.spec.policy).table : undefined;
    if (table && junk) table.chains.push({ name: 'junk', rules: [{ expr: [{ counter: null }, { accept: null }] }] });
    return table;
  }),
);

const packetArb: fc.Arbitrary<FirewallPacket> = fc
  .record({
    src: fc.integer({ min: 0x0a000000, max: 0x0a00ffff }).map(numberToIpv4),
    dst: fc.integer({ min: 0x0a000000, max: 0x0a00ffff }).map(numberToIpv4),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp'),
    dport: fc.integer({ min: 1, max: 2000 }),
  })
  .map((p) => (p.protocol === 'icmp' ? { src: p.src, dst: p.dst, protocol: p.protocol } : p));

const FOREIGN: NftTable[] = [
  {
    family: 'inet',
    name: 'filter',
    sets: [{ name: 'allowed', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/8'] }],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'drop' },
        rules: [
          {
            expr: [
              { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@allowed' } },
              { counter: null },
              { accept: null },
            ],
          },
        ],
      },
    ],
  },
  // Same name, other family: still not ours.
  { family: 'ip', name: 'csgw_filter', sets: [], chains: [{ name: 'forward', rules: [] }] },
  { family: 'inet', name: 'csgw_nat', sets: [], chains: [] },
];

describe('FirewallPolicy properties', () => {
  it('(a) apply then observe gives an empty plan, for a rebuild and for the incremental pass after it', async () => {
    await fc.assert(
      fc.asyncProperty(startTableArb, snapshotArb, snapshotArb, async (start, first, second) => {
        const h = firewallHarness({ tables: start ? [start] : [] });
        const desired = decoded(h.controller, first);
        await reconcilePass(h.controller, desired);
        expect(await replan(h.controller, desired)).toEqual([]);
        expect(await replan(h.controller, desired, false)).toEqual([]);
        const next = decoded(h.controller, second);
        await reconcilePass(h.controller, next, false);
        expect(await replan(h.controller, next)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('(b) a plan never touches tables other than inet csgw_filter', async () => {
    await fc.assert(
      fc.asyncProperty(startTableArb, snapshotArb, snapshotArb, async (start, first, second) => {
        const h = firewallHarness({ tables: [...FOREIGN, ...(start ? [start] : [])] });
        const before = h.nft.snapshot();
        await reconcilePass(h.controller, decoded(h.controller, first));
        await reconcilePass(h.controller, decoded(h.controller, second), false);
        const after = h.nft.snapshot();
        for (const t of FOREIGN) expect(after[`${t.family} ${t.name}`]).toEqual(before[`${t.family} ${t.name}`]);
        for (const op of h.nft.transactions.flat()) {
          const target = op.op === 'replaceTable' ? op.table : op.op === 'deleteTable' ? op : { ...op, name: op.table };
          expect([target.family, target.name]).toEqual(['inet', 'csgw_filter']);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('(c) after element deltas, the kernel table decides each packet as the first matching rule does', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArb, snapshotArb, fc.array(packetArb, { maxLength: 20 }), async (a, b, packets) => {
        const h = firewallHarness();
        await reconcilePass(h.controller, decoded(h.controller, a));
        const desired = decoded(h.controller, b);
        await reconcilePass(h.controller, desired, false);
        const policy = desired.spec.policy;
        const compiled = h.controller.compiled(desired);
        const table = h.nft.table('inet', 'csgw_filter');
        if (!policy || !compiled || !table) return expect(table).toBeUndefined();
        for (const packet of packets) {
          for (const chain of policy.input ? (['forward', 'input'] as const) : (['forward'] as const)) {
            const kernel = evaluateCompiled({ ...compiled, table }, chain, packet, policy);
            const wanted = firstMatch(policy[chain] ?? policy.forward, packet);
            expect({ action: kernel.action, ruleId: kernel.ruleId }).toEqual({
              action: wanted.action,
              ruleId: wanted.ruleId,
            });
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
