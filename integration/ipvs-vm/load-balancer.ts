import { createIpvsAdapter } from '../../adapters/ipvs.js';
import { createNftAdapter } from '../../adapters/nft.js';
import { createLoadBalancerController, type LoadBalancerController } from '../../controllers/load-balancer/index.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { FakeMembership } from '../../testing/fake-membership.js';
import { SERVICE_PORT, TARGETS, VIRTUAL_IP, type TargetName } from './topology.js';

/**
 * The LoadBalancer controller with its real IPVS and nft adapters, both running their commands in the VM; only
 * membership is faked (the test says who is registered) and the clock is the test's.
 */
export interface LbFixture {
  controller: LoadBalancerController;
  membership: FakeMembership;
  /** Moves the controller's clock forward (drain timeouts). */
  advance(ms: number): void;
  /** decode -> observe -> plan -> apply; then returns the plan of a fresh full observation (converged: empty). */
  reconcile(specs: Record<string, unknown>): Promise<unknown[]>;
}

const signal = new AbortController().signal;
export const DRAIN_SECONDS = 60;

export function createLbFixture(runner: CommandRunner): LbFixture {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const membership = new FakeMembership();
  const controller = createLoadBalancerController({
    nft: createNftAdapter(runner),
    ipvs: createIpvsAdapter(runner),
    membership,
    clock: () => new Date(now),
  });
  return {
    controller,
    membership,
    advance: (ms) => {
      now += ms;
    },
    async reconcile(specs) {
      const decoded = controller.decode(snapshotOf(specs));
      if (!decoded.ok) throw new Error(decoded.errors.join('; '));
      const first = await controller.observe(signal, { full: true, desired: decoded.desired });
      await controller.apply(controller.plan(decoded.desired, first), signal);
      const again = await controller.observe(signal, { full: true, desired: decoded.desired });
      return controller.plan(decoded.desired, again);
    },
  };
}

/** One virtual service on the gateway's VIP over the three targets with these weights (absent: not a target). */
export function serviceSpec(scheduler: string, weights: Partial<Record<TargetName, number>>): Record<string, unknown> {
  const targets = TARGETS.filter((t) => weights[t.name] !== undefined).map((t) => ({
    address: t.address,
    port: SERVICE_PORT,
    weight: weights[t.name],
  }));
  return {
    listener: { address: VIRTUAL_IP, port: SERVICE_PORT },
    targets: { static: targets },
    scheduler,
    drainTimeoutSeconds: DRAIN_SECONDS,
  };
}

/** The membership source lists these targets (healthy) with these weights; the others are gone. */
export function registered(membership: FakeMembership, name: string, weights: Partial<Record<TargetName, number>>) {
  const members = TARGETS.filter((t) => weights[t.name] !== undefined).map((t) => ({
    address: t.address,
    port: SERVICE_PORT,
    weight: weights[t.name] ?? 1,
    health: 'healthy' as const,
  }));
  membership.members(name, members);
}

function snapshotOf(specs: Record<string, unknown>): KindSnapshot {
  const resources = Object.entries(specs).map(([name, spec], i) => ({
    name,
    generation: 1,
    value: JSON.stringify(spec),
    modifiedAt: `2025-01-01T00:00:0${i}Z`,
  }));
  return { kind: 'LoadBalancer', resources };
}
