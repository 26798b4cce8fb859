// The nftables path applies only what changed: one target change is one service chain rewritten (plus the target's
// own chain added or deleted), in one transaction, and the counters of every other target chain survive. The whole
// table is replaced only when it is missing, not ours, or on a full observe (first pass, after a failed apply).
import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot } from '../../runtime/controller.js';
import { FakeMembership } from '../../testing/fake-membership.js';
import { FakeNft } from '../../testing/fake-nft.js';
import { MonitorTracker } from '../../runtime/nft/monitor-tracker.js';
import type { NftPort } from '../../runtime/ports.js';
import { createLoadBalancerController } from './index.js';
import { LB_TABLE, serviceChain, targetChain } from './names.js';

const signal = new AbortController().signal;
const SPEC = {
  listener: { port: 8080 },
  targets: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0123456789abcdef' },
  scheduler: 'wrr',
  drainTimeoutSeconds: 30,
};

function harness() {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const nft = new FakeNft();
  // A monitor that reports another process's commit when the test says so (tamper()).
  const monitor = new MonitorTracker(0);
  (nft as NftPort).watch = (family, name) => monitor.watch(family, name, () => undefined);
  const membership = new FakeMembership();
  const controller = createLoadBalancerController({
    nft,
    membership,
    mechanism: 'nftables',
    clock: () => new Date(now),
  });
  const snapshot: KindSnapshot = {
    kind: 'LoadBalancer',
    resources: [{ name: 'web', generation: 1, value: JSON.stringify(SPEC) }],
  };
  const decoded = controller.decode(snapshot);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const desired = decoded.desired;
  const id = desired.spec.services[0]?.id ?? -1;
  /** Targets by last address octet -> weight. */
  const targets = (weights: Record<number, number>): void =>
    membership.members(
      'web',
      Object.entries(weights).map(([octet, weight]) => ({
        address: `10.0.0.${octet}`,
        port: 80,
        health: 'healthy' as const,
        weight,
      })),
    );
  /** One pass: the plan it applied (described) and the plan of the observation after it, which must be empty. */
  const pass = async (full = false): Promise<string[]> => {
    const plan = controller.plan(desired, await controller.observe(signal, { full, desired }));
    await controller.apply(plan, signal);
    const again = await controller.observe(signal, { full: false, desired });
    expect(controller.plan(desired, again).map(controller.describe)).toEqual([]);
    return plan.map(controller.describe).filter((line) => !line.startsWith('record drain'));
  };
  /** The chain of target 10.0.0.<octet>:80, and the service's spread chain. */
  const chainOf = (octet: number): string => targetChain(id, `10.0.0.${octet}`, 80);
  const svc = serviceChain(id);
  const counters = async (): Promise<Record<string, number>> => {
    const listed = await nft.listTable(LB_TABLE.family, LB_TABLE.name, signal);
    return Object.fromEntries((listed?.counters ?? []).map((c) => [c.chain, c.packets]));
  };
  const count = (octet: number, packets: number): void =>
    nft.setCounter(LB_TABLE.family, LB_TABLE.name, { chain: chainOf(octet), index: 0 }, { packets, bytes: packets });
  const advance = (seconds: number): void => {
    now += seconds * 1000;
  };
  const tamper = (): void => monitor.lost();
  return { nft, targets, pass, counters, count, chainOf, svc, advance, controller, desired, tamper };
}

describe('LoadBalancer nftables path: only diffs are applied', () => {
  it('first apply replaces the table; a weight change rewrites one service chain and nothing else', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1, 3: 1 });
    expect(await h.pass(true)).toEqual(['replace nft table ip csgw_lb (TableMissing)']);
    h.count(1, 5);
    h.count(2, 7);
    h.targets({ 1: 3, 2: 1, 3: 1 });
    expect(await h.pass()).toEqual([`rewrite chain ${h.svc} of ip csgw_lb (1 rules)`]);
    expect(h.nft.transactions.at(-1)?.map((op) => op.op)).toEqual(['replaceChain']);
    expect(await h.counters()).toMatchObject({ [h.chainOf(1)]: 5, [h.chainOf(2)]: 7 });
  });

  it('a new target adds its chain and rewrites the service chain, in one transaction', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1 });
    await h.pass(true);
    h.count(1, 5);
    h.targets({ 1: 1, 2: 1, 4: 1 });
    expect(await h.pass()).toEqual([
      `add chain ${h.chainOf(4)} to ip csgw_lb (1 rules)`,
      `rewrite chain ${h.svc} of ip csgw_lb (1 rules)`,
    ]);
    expect(h.nft.transactions.at(-1)?.map((op) => op.op)).toEqual(['addChain', 'replaceChain']);
    expect(await h.counters()).toMatchObject({ [h.chainOf(1)]: 5, [h.chainOf(4)]: 0 });
  });

  it('a removed target drains (spread rewritten, chain kept), then its chain is deleted after the spread', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1 });
    await h.pass(true);
    h.count(1, 5);
    h.count(2, 9);
    h.targets({ 1: 1 });
    expect(await h.pass()).toEqual([`rewrite chain ${h.svc} of ip csgw_lb (1 rules)`]);
    h.advance(31);
    expect(await h.pass()).toEqual([`delete chain ${h.chainOf(2)} of ip csgw_lb`]);
    expect(h.nft.transactions.at(-1)).toEqual([
      { op: 'deleteChains', family: 'ip', table: 'csgw_lb', names: [h.chainOf(2)] },
    ]);
    expect(await h.counters()).toMatchObject({ [h.chainOf(1)]: 5 });
    expect(Object.keys(await h.counters())).not.toContain(h.chainOf(2));
  });

  it('a full observe (first pass, after a failed apply) replaces the whole table when anything differs', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1 });
    await h.pass(true);
    expect(await h.pass(true)).toEqual([]);
    h.targets({ 1: 2, 2: 1 });
    expect(await h.pass(true)).toEqual(['replace nft table ip csgw_lb (Rebuild)']);
  });

  it('a table that is not ours (other hooks) is replaced whole', async () => {
    const h = harness();
    h.targets({ 1: 1 });
    await h.pass(true);
    h.nft.mutate('ip', 'csgw_lb', (t) => {
      const hook = t.chains.find((c) => c.name === 'prerouting');
      if (hook?.base) hook.base.prio = 0;
    });
    h.tamper();
    expect(await h.pass()).toEqual(['replace nft table ip csgw_lb (StructureDiffers)']);
  });

  it('a damaged chain is rewritten alone', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1 });
    await h.pass(true);
    h.count(2, 4);
    h.nft.mutate('ip', 'csgw_lb', (t) => void t.chains.find((c) => c.name === h.chainOf(1))?.rules.push({ expr: [] }));
    h.tamper();
    expect(await h.pass()).toEqual([`rewrite chain ${h.chainOf(1)} of ip csgw_lb (1 rules)`]);
    expect(await h.counters()).toMatchObject({ [h.chainOf(2)]: 4 });
  });

  it('keeps the table while held as found after a restart, and deletes it once nothing is admitted', async () => {
    const h = harness();
    h.targets({ 1: 1, 2: 1 });
    await h.pass(true);
    const rejected = [{ name: 'web', generation: 2, errors: ['spec.listener.port: bad'] }];
    const observed = await h.controller.observe(signal, { full: true, desired: h.desired });
    const held = { spec: { services: [], rejected, holdAsFound: true as const } };
    expect(h.controller.plan(held, observed)).toEqual([]);
    const none = h.controller.plan({ spec: { services: [], rejected } }, observed);
    expect(none.map(h.controller.describe)).toContain('delete nft table ip csgw_lb (NoResource)');
  });
});
