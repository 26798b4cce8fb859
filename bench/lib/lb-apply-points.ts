import { createLoadBalancerController, type LoadBalancerController } from '../../controllers/load-balancer/index.js';
import type { LoadBalancerDesired } from '../../controllers/load-balancer/types.js';
import type { DesiredState, KindSnapshot } from '../../runtime/controller.js';
import type { NftPort } from '../../runtime/ports.js';
import { FakeMembership } from '../../testing/fake-membership.js';

/**
 * The measurements of one size (targets behind one LoadBalancer service), run by the worker process of
 * load-balancer-apply.ts inside a fresh network namespace. One pass is what the reconciler does for a target change:
 * the controller's own observe -> plan -> apply through the real nft adapter. `replace` observes full, so any change
 * rebuilds the whole table (what the nftables path did before chain deltas, and still does on a resync); `delta`
 * observes incrementally, as between resyncs, and applies only the changed chains.
 */

export type LbMode = 'replace' | 'delta';
/** weight: one target 1 <-> 2; add: one new target; remove: that target gone (drainTimeoutSeconds 0: at once). */
export type LbOp = 'weight' | 'add' | 'remove';
export const LB_MODES: readonly LbMode[] = ['replace', 'delta'];
export const LB_OPS: readonly LbOp[] = ['weight', 'add', 'remove'];

/** Milliseconds per phase of one pass. */
export interface LbSample {
  warmup: boolean;
  /** controller.observe: membership (in memory) and `nft -j list table`. */
  observe: number;
  /** controller.plan: targets, render, planTableDelta. */
  plan: number;
  /** controller.apply: render the transaction, temp file, `nft -j -f`. */
  commit: number;
  total: number;
  /** The plan's table actions, e.g. "addChain replaceChain". */
  ops: string;
}

export interface LbSeries {
  mode: LbMode;
  op: LbOp;
  samples: LbSample[];
}

export interface LbPointResult {
  size: number;
  /** Chains in the loaded table (one per target, the service's, listeners, three hooks). */
  chains: number;
  series: LbSeries[];
}

/** What each pass must plan: the benchmark refuses to report a series that measured something else. */
const EXPECTED_OPS: Record<LbMode, Record<LbOp, string>> = {
  replace: { weight: 'replaceTable', add: 'replaceTable', remove: 'replaceTable' },
  delta: { weight: 'replaceChain', add: 'addChain replaceChain', remove: 'replaceChain deleteChain' },
};

const SPEC = {
  listener: { port: 8080 },
  targets: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/bench/0123456789abcdef' },
  scheduler: 'wrr',
  drainTimeoutSeconds: 0,
};
const NAME = 'bench';
const signal = new AbortController().signal;

/** Target i (1-based) of the generated group: 10.64.0.1, 10.64.0.2, ... port 80. */
const address = (i: number): string => `10.64.${i >> 8}.${i & 255}`;

interface Harness {
  controller: LoadBalancerController;
  desired: DesiredState<LoadBalancerDesired>;
  members: (weights: ReadonlyMap<number, number>) => void;
}

function harness(nft: NftPort): Harness {
  const membership = new FakeMembership();
  const controller = createLoadBalancerController({ nft, membership, mechanism: 'nftables' });
  const snapshot: KindSnapshot = {
    kind: 'LoadBalancer',
    resources: [{ name: NAME, generation: 1, value: JSON.stringify(SPEC) }],
  };
  const decoded = controller.decode(snapshot);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const members = (weights: ReadonlyMap<number, number>): void =>
    membership.members(
      NAME,
      [...weights].map(([i, weight]) => ({ address: address(i), port: 80, weight, health: 'healthy' as const })),
    );
  return { controller, desired: decoded.desired, members };
}

/** One reconcile pass, timed by phase. */
async function pass(h: Harness, full: boolean, warmup: boolean): Promise<LbSample> {
  const t0 = performance.now();
  const observed = await h.controller.observe(signal, { full, desired: h.desired });
  const t1 = performance.now();
  const plan = h.controller.plan(h.desired, observed);
  const t2 = performance.now();
  await h.controller.apply(plan, signal);
  const t3 = performance.now();
  const ops = plan
    .map((a) => a.op)
    .filter((op) => op !== 'recordDrains')
    .join(' ');
  return { warmup, observe: t1 - t0, plan: t2 - t1, commit: t3 - t2, total: t3 - t0, ops };
}

/** One pass of `op` in `mode`; it must plan exactly that op's actions. */
async function measuredPass(h: Harness, mode: LbMode, op: LbOp, warmup: boolean): Promise<LbSample> {
  const s = await pass(h, mode === 'replace', warmup);
  if (s.ops !== EXPECTED_OPS[mode][op])
    throw new Error(`${mode} ${op}: planned "${s.ops}", expected "${EXPECTED_OPS[mode][op]}"`);
  return s;
}

/** A full listing must plan nothing: the kernel holds exactly the desired table. */
async function verifyConverged(h: Harness, what: string): Promise<void> {
  const left = h.controller.plan(h.desired, await h.controller.observe(signal, { full: true, desired: h.desired }));
  if (left.length > 0) throw new Error(`${what}: kernel table differs: ${left.map(h.controller.describe).join('; ')}`);
}

/**
 * size targets loaded once (unmeasured), then per mode `reps` + 1 rounds (the first a warm-up) of a weight change,
 * an added target and its removal, so the table has `size` targets again after every round.
 */
export async function measureLbPoint(
  nft: NftPort,
  size: number,
  reps: number,
  log: (line: string) => void,
): Promise<LbPointResult> {
  const h = harness(nft);
  const weights = new Map(Array.from({ length: size }, (_, k) => [k + 1, 1] as [number, number]));
  h.members(weights);
  await pass(h, true, true);
  await verifyConverged(h, `load ${size}`);
  const listed = await nft.listTable('ip', 'csgw_lb', signal);
  const series = LB_MODES.flatMap((mode) => LB_OPS.map((op): LbSeries => ({ mode, op, samples: [] })));
  const middle = Math.ceil(size / 2);
  const extra = size + 1;
  const steps: Record<LbOp, () => void> = {
    weight: () => weights.set(middle, weights.get(middle) === 1 ? 2 : 1),
    add: () => weights.set(extra, 1),
    remove: () => weights.delete(extra),
  };
  for (const mode of LB_MODES) {
    for (let i = 0; i <= reps; i++) {
      for (const op of LB_OPS) {
        steps[op]();
        h.members(weights);
        series.find((x) => x.mode === mode && x.op === op)?.samples.push(await measuredPass(h, mode, op, i === 0));
      }
    }
    await verifyConverged(h, `${mode} at ${size}`);
    log(`${size} targets: ${mode} done`);
  }
  return { size, chains: listed?.table.chains.length ?? 0, series };
}
