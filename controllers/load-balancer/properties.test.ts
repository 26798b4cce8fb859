// The properties every controller must have, with the in-memory ports (FakeNft, FakeIpvs, FakeMembership), on both
// kernel paths: (a) one pass converges from any starting state: apply the plan, observe again, the plan is empty;
// (b) a plan never touches what is not ours (other tables, IPVS services outside our mark range);
// (c) over any sequence of membership changes and clock steps, a target leaves the kernel only after it has had
//     weight 0 for at least drainTimeoutSeconds (a drain is never cut short).
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { NftTable } from '../../renderers/nft/model.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import { FakeIpvs } from '../../testing/fake-ipvs.js';
import { FakeMembership } from '../../testing/fake-membership.js';
import { FakeNft } from '../../testing/fake-nft.js';
import { FakeSysctl } from '../../testing/fake-sysctl.js';
import { createLoadBalancerController, type LoadBalancerController } from './index.js';
import type { IpvsService } from './ipvs-port.js';
import { kernelTargetsFromIpvs, kernelTargetsFromTable } from './kernel-read.js';
import type { MemberView } from './membership/types.js';
import { LB_TABLE } from './names.js';
import type { Mechanism } from './types.js';

const signal = new AbortController().signal;
const POOL = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const HEALTH: MemberView['health'][] = ['healthy', 'healthy', 'unhealthy', 'draining', 'unused', 'initial'];
const DRAIN_SECONDS = 30;

const FOREIGN_TABLE: NftTable = {
  family: 'inet',
  name: 'csgw_dnat',
  sets: [],
  chains: [{ name: 'prerouting', base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' }, rules: [] }],
};
const FOREIGN_IPVS: IpvsService[] = [
  {
    fwmark: 7,
    ipv6: false,
    scheduler: 'rr',
    realServers: [{ address: '192.0.2.1', port: 80, weight: 1, forward: 'masq' }],
  },
  { virtual: '-t 192.0.2.9:80', ipv6: false, scheduler: 'wlc', realServers: [] },
  { fwmark: 0x4c420010, ipv6: true, scheduler: 'rr', realServers: [] },
];

interface ServiceArb {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  scheduler: string;
  sourceNat: boolean;
  members: { address: string; health: MemberView['health']; weight: number }[];
}

const serviceArb = (name: string, port: number): fc.Arbitrary<ServiceArb> =>
  fc.record({
    name: fc.constant(name),
    port: fc.constant(port),
    protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'),
    scheduler: fc.constantFrom('rr', 'wrr', 'lc', 'wlc', 'sh', 'mh'),
    sourceNat: fc.boolean(),
    members: fc.uniqueArray(
      fc.record({
        address: fc.constantFrom(...POOL),
        health: fc.constantFrom(...HEALTH),
        weight: fc.integer({ min: 0, max: 4 }),
      }),
      { selector: (m) => m.address, maxLength: POOL.length },
    ),
  });

const servicesArb = fc
  .subarray(['a', 'b', 'c'])
  .chain((names) => fc.tuple(...names.map((n, i) => serviceArb(n, 8000 + i))));

function snapshotOf(services: readonly ServiceArb[]): KindSnapshot {
  const resources = services.map((s, i) => ({
    name: s.name,
    generation: 1,
    modifiedAt: `2025-01-01T00:00:0${i}Z`,
    value: JSON.stringify({
      listener: { port: s.port, protocol: s.protocol },
      targets: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0123456789abcdef' },
      scheduler: s.scheduler,
      sourceNat: s.sourceNat,
      drainTimeoutSeconds: DRAIN_SECONDS,
    }),
  }));
  return { kind: 'LoadBalancer', resources };
}

function harness(mechanism: Mechanism) {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const nft = new FakeNft([FOREIGN_TABLE]);
  const ipvs = new FakeIpvs(FOREIGN_IPVS);
  const membership = new FakeMembership();
  const sysctl = new FakeSysctl({ 'net.ipv4.vs.conntrack': '0' });
  const create = (): LoadBalancerController =>
    createLoadBalancerController({ nft, ipvs, sysctl, membership, mechanism, clock: () => new Date(now) });
  return {
    nft,
    ipvs,
    membership,
    controller: create(),
    /** A new controller over the same kernel: an operator restart (the drain ledger is gone). */
    restart(): LoadBalancerController {
      return create();
    },
    advance(seconds: number): void {
      now += seconds * 1000;
    },
  };
}

function setMembers(membership: FakeMembership, services: readonly ServiceArb[]): void {
  for (const s of services)
    membership.members(
      s.name,
      s.members.map((m) => ({ address: m.address, port: 80, health: m.health, weight: m.weight })),
    );
}

/**
 * One pass; returns the plan of the observation after it (empty when the pass converged). `full` as the runtime
 * passes it: true on a first pass (the table is then replaced whole), false in steady state (chain deltas).
 */
async function pass(controller: LoadBalancerController, snapshot: KindSnapshot, full = true): Promise<unknown[]> {
  const decoded = controller.decode(snapshot);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const observed = await controller.observe(signal, { full, desired: decoded.desired });
  await controller.apply(controller.plan(decoded.desired, observed), signal);
  const again = await controller.observe(signal, { full, desired: decoded.desired });
  return controller.plan(decoded.desired, again);
}

/** Sets every rule counter of our table to 1 packet, so the test sees which ones a later transaction reset. */
function countEverything(nft: FakeNft): NftTable | undefined {
  const table = nft.table(LB_TABLE.family, LB_TABLE.name);
  for (const chain of table?.chains ?? [])
    chain.rules.forEach((rule, index) => {
      if (rule.expr.some((stmt) => 'counter' in stmt))
        nft.setCounter(LB_TABLE.family, LB_TABLE.name, { chain: chain.name, index }, { packets: 1, bytes: 1 });
    });
  return table;
}

const mechanismArb = fc.constantFrom<Mechanism>('nftables', 'ipvs');

describe('LoadBalancer properties', () => {
  it('converges in one pass from any earlier state, and leaves what is not ours alone', async () => {
    await fc.assert(
      fc.asyncProperty(mechanismArb, mechanismArb, servicesArb, servicesArb, async (before, mechanism, old, now) => {
        // The earlier state: other services, possibly on the other path (a host whose ip_vs came or went).
        const h = harness(before);
        setMembers(h.membership, old);
        await pass(h.controller, snapshotOf(old));
        const h2 = harness(mechanism);
        const controller = createLoadBalancerController({
          nft: h.nft,
          ipvs: h.ipvs,
          membership: h2.membership,
          mechanism,
          clock: () => new Date('2025-01-01T00:10:00Z'),
        });
        setMembers(h2.membership, now);
        expect(await pass(controller, snapshotOf(now))).toEqual([]);
        const foreign = await h.nft.listTable('inet', 'csgw_dnat', signal);
        expect(foreign?.table).toEqual(FOREIGN_TABLE);
        const ipvsNow = h.ipvs.snapshot();
        for (const service of FOREIGN_IPVS) expect(ipvsNow).toContainEqual(service);
        if (now.length === 0) expect(await h.nft.listTable(LB_TABLE.family, LB_TABLE.name, signal)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('converges through chain deltas from any earlier state on the same path; untouched chains keep counters', async () => {
    await fc.assert(
      fc.asyncProperty(mechanismArb, servicesArb, servicesArb, async (mechanism, old, now) => {
        const h = harness(mechanism);
        setMembers(h.membership, old);
        await pass(h.controller, snapshotOf(old));
        const before = countEverything(h.nft);
        const committed = h.nft.transactions.length;
        setMembers(h.membership, now);
        expect(await pass(h.controller, snapshotOf(now), false)).toEqual([]);
        const ops = h.nft.transactions.slice(committed).flat();
        // A table that stays is never rebuilt: its hooks are the same on one path, only chains change.
        if (old.length > 0 && now.length > 0) expect(ops.map((op) => op.op)).not.toContain('replaceTable');
        const after = await h.nft.listTable(LB_TABLE.family, LB_TABLE.name, signal);
        for (const counter of after?.counters ?? []) {
          const was = before?.chains.find((c) => c.name === counter.chain);
          const is = after?.table.chains.find((c) => c.name === counter.chain);
          const untouched = was !== undefined && isDeepStrictEqual(was.rules, is?.rules);
          expect([counter.chain, counter.packets]).toEqual([counter.chain, untouched ? 1 : 0]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never removes a target before it has had weight 0 for drainTimeoutSeconds, restarts included', async () => {
    const step = fc.record({ services: servicesArb, seconds: fc.integer({ min: 0, max: 40 }), restart: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(mechanismArb, fc.array(step, { minLength: 1, maxLength: 8 }), async (mechanism, steps) => {
        const h = harness(mechanism);
        let controller = h.controller;
        let clock = 0;
        const zeroSince = new Map<string, number>();
        let previous = new Map<string, number>();
        for (const s of steps) {
          h.advance(s.seconds);
          clock += s.seconds;
          if (s.restart) controller = h.restart();
          setMembers(h.membership, s.services);
          // Steady-state passes go through chain deltas; a restart starts with a full observe.
          expect(await pass(controller, snapshotOf(s.services), s.restart)).toEqual([]);
          const current = await kernelWeights(h, mechanism);
          for (const [key, weight] of previous) {
            const kept = current.get(key);
            // A whole service may go away with its resource; only targets of services still admitted are checked.
            const serviceKept = s.services.some((x) => x.name === key.split('/')[0]);
            if (kept === undefined && serviceKept) {
              expect(weight).toBe(0);
              expect(clock - (zeroSince.get(key) ?? clock)).toBeGreaterThanOrEqual(DRAIN_SECONDS);
            }
          }
          for (const [key, weight] of current) {
            if (weight > 0) zeroSince.delete(key);
            else if (!zeroSince.has(key)) zeroSince.set(key, clock);
          }
          previous = current;
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** "service/address:port" -> weight, from whichever kernel path is in use (ids mapped back to names). */
async function kernelWeights(h: ReturnType<typeof harness>, mechanism: Mechanism): Promise<Map<string, number>> {
  const table = await h.nft.listTable(LB_TABLE.family, LB_TABLE.name, signal);
  const byId = mechanism === 'ipvs' ? kernelTargetsFromIpvs(h.ipvs.snapshot()) : kernelTargetsFromTable(table?.table);
  const names = new Map(['a', 'b', 'c'].map((n) => [idOf(n), n]));
  const weights = new Map<string, number>();
  for (const [id, targets] of byId)
    for (const t of targets) weights.set(`${names.get(id) ?? id}/${t.address}:${t.port}`, t.weight);
  return weights;
}

function idOf(name: string): number {
  const decoder = createLoadBalancerController({ nft: new FakeNft(), membership: new FakeMembership() });
  const decoded = decoder.decode(
    snapshotOf([{ name, port: 1, protocol: 'TCP', scheduler: 'rr', sourceNat: false, members: [] }]),
  );
  return decoded.ok ? (decoded.desired.spec.services[0]?.id ?? -1) : -1;
}
