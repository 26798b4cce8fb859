import { effectiveScheduler } from '../../controllers/load-balancer/kernel.js';
import { slotsOf } from '../../controllers/load-balancer/nft-table.js';
import type { Scheduler } from '../../controllers/load-balancer/spec.js';
import { planServiceTargets } from '../../controllers/load-balancer/targets.js';
import type { KernelTarget, LbService, Mechanism } from '../../controllers/load-balancer/types.js';
import type { FirewallPacket } from '../../controllers/firewall/types.js';
import { jhashSlot } from './jhash.js';

/** One service as an instance published it in its status (details.services[]). */
export interface PublishedService {
  generation: number;
  /** The targets as planned for the kernel, in its order, weight-0 ones included (status lists the first 50). */
  targets: KernelTarget[];
  /** Targets status does not list. */
  unlisted: number;
}

/** The LoadBalancer status of one instance: each instance tracks membership and health on its own. */
export interface PublishedLoadBalancer {
  instanceId: string;
  updatedAt: string;
  mechanism?: Mechanism;
  services: Readonly<Record<string, PublishedService>>;
}

/** The admitted LoadBalancer resources (absent: none exists), with what status says about them. */
export interface LbModel {
  services: LbService[];
  published?: PublishedLoadBalancer;
  /** --lb-path: the kernel path to assume, over the one status reports. */
  mechanism?: Mechanism;
}

/** Which target the connection goes to: named, one of several, none at all, or unknown offline. */
export type LbPick =
  { kind: 'exact'; target: KernelTarget; why: string } | { kind: 'oneOf' | 'none' | 'unknown'; why: string };

export interface LbHit {
  hit: true;
  resource: string;
  generation: number;
  /** "TCP *:80" or "UDP 10.0.0.10:53", as status prints listeners. */
  listener: string;
  mechanism: Mechanism;
  mechanismFrom: 'option' | 'status' | 'assumed';
  scheduler: Scheduler;
  schedulerInEffect: Scheduler;
  sourceNat: boolean;
  targetsFrom: 'status' | 'spec' | 'unknown';
  publishedBy?: { instanceId: string; updatedAt: string };
  /** The targets that take new connections (weight > 0), in the kernel's order. */
  targets: KernelTarget[];
  pick: LbPick;
  notes: string[];
}

export type LbStep = LbHit | { hit: false; reason: string };

export interface LbPacket extends FirewallPacket {
  dstIsLocal: boolean;
}

/**
 * The LoadBalancer step (pure): which virtual service the connection's listener lookup finds, the targets it would
 * be spread over, and the target when it can be named. Undefined when no LoadBalancer resource is admitted.
 */
export function explainLoadBalancer(model: LbModel | undefined, packet: LbPacket): LbStep | undefined {
  if (!model || model.services.length === 0) return undefined;
  if (packet.protocol === 'icmp' || packet.dport === undefined)
    return { hit: false, reason: 'only tcp and udp connections are balanced' };
  const protocol = packet.protocol === 'tcp' ? 'TCP' : 'UDP';
  const service = model.services.find(({ spec: { listener: l } }) => {
    if (l.protocol !== protocol || l.port !== packet.dport) return false;
    return l.address === undefined ? packet.dstIsLocal : l.address === packet.dst;
  });
  if (!service) {
    const where = packet.dstIsLocal ? `${packet.dst}:${packet.dport}` : `${packet.dst} (not an address of the gateway)`;
    return { hit: false, reason: `no LoadBalancer listens on ${packet.protocol} ${where}` };
  }
  return hitOf(model, service, packet);
}

function hitOf(model: LbModel, service: LbService, packet: LbPacket): LbHit {
  const { spec } = service;
  const notes: string[] = [];
  if (!packet.dstIsLocal)
    notes.push(`${packet.dst} is taken as an address of the gateway: LoadBalancer/${service.name} listens on it`);
  const [mechanism, mechanismFrom] = mechanismOf(model);
  const schedulerInEffect = effectiveScheduler(spec.scheduler, mechanism);
  const found = targetsOf(model, service, notes);
  const targets = found.all.filter((t) => t.weight > 0);
  const complete = found.from !== 'unknown' && found.unlisted === 0;
  const pick =
    found.from === 'unknown'
      ? {
          kind: 'unknown' as const,
          why: `the members of ${targetGroupOf(service)} are known only to the running operator`,
        }
      : pickTarget({ scheduler: schedulerInEffect, targets: found.all }, mechanism, packet.src, complete);
  const published = model.published;
  return {
    hit: true,
    resource: service.name,
    generation: service.generation,
    listener: `${spec.listener.protocol} ${spec.listener.address ?? '*'}:${spec.listener.port}`,
    mechanism,
    mechanismFrom,
    scheduler: spec.scheduler,
    schedulerInEffect,
    sourceNat: spec.sourceNat,
    targetsFrom: found.from,
    ...(found.from === 'status' && published
      ? { publishedBy: { instanceId: published.instanceId, updatedAt: published.updatedAt } }
      : {}),
    targets,
    pick,
    notes,
  };
}

function mechanismOf(model: LbModel): [Mechanism, LbHit['mechanismFrom']] {
  if (model.mechanism) return [model.mechanism, 'option'];
  if (model.published?.mechanism) return [model.published.mechanism, 'status'];
  return ['nftables', 'assumed'];
}

const targetGroupOf = (s: LbService): string =>
  'targetGroupArn' in s.spec.targets ? `target group ${s.spec.targets.targetGroupArn}` : 'the targets';

interface FoundTargets {
  from: LbHit['targetsFrom'];
  /** Every target, weight 0 included, in the kernel's order. */
  all: KernelTarget[];
  unlisted: number;
}

/** The published targets when status has them (for this generation, or any for a target group), else the spec's. */
function targetsOf(model: LbModel, service: LbService, notes: string[]): FoundTargets {
  const published = model.published?.services[service.name];
  const isGroup = 'targetGroupArn' in service.spec.targets;
  if (published && published.generation !== service.generation) {
    const which = isGroup ? 'its members are used, the listener and weights may have changed' : 'the spec is used';
    notes.push(
      `status of ${model.published?.instanceId} is of generation ${published.generation}, ` +
        `not ${service.generation}: ${which}`,
    );
  }
  if (published && (isGroup || published.generation === service.generation)) {
    if (published.unlisted > 0) notes.push(`status lists the first targets only: ${published.unlisted} more exist`);
    return { from: 'status', all: published.targets, unlisted: published.unlisted };
  }
  if (isGroup) return { from: 'unknown', all: [], unlisted: 0 };
  if (service.spec.healthCheck.source === 'tcp')
    notes.push('TCP check results are known only to the running operator: every target is taken as healthy');
  return { from: 'spec', all: staticTargets(service), unlisted: 0 };
}

/** Static targets as the planner orders and weighs them, every one healthy and none draining. */
function staticTargets(service: LbService): KernelTarget[] {
  const { spec } = service;
  if (!('static' in spec.targets)) return [];
  const members = spec.targets.static.map((t) => ({
    address: t.address,
    port: t.port ?? spec.listener.port,
    weight: t.weight ?? 1,
    health: 'healthy' as const,
  }));
  // No kernel state and no ledger: `now` only times drains, and there are none.
  const planned = planServiceTargets({ spec, snapshot: { members }, kernel: undefined, ledger: {}, now: EPOCH });
  return planned.targets.map((t) => ({ address: t.address, port: t.port, weight: t.weight }));
}

const EPOCH = new Date(0).toISOString();

const SCHEDULER_WHY: Readonly<Record<Scheduler, string>> = {
  rr: 'round robin: each new connection takes the next target',
  wrr: 'weighted round robin: the next target in proportion to its weight',
  lc: 'least connections: depends on the live connection counts',
  wlc: 'weighted least connections: depends on the live connection counts',
  sh: 'source hashing on IPVS: its bucket table follows the order IPVS holds the real servers in',
  mh: "Maglev hashing: IPVS's own lookup table",
};

/**
 * The target a new connection from src goes to. nftables `sh` is `jhash ip saddr mod <slots> seed 0` over the
 * slots slotsOf gives (the table's own layout), which is computed exactly when every target is known.
 */
export function pickTarget(
  service: { scheduler: Scheduler; targets: readonly KernelTarget[] },
  mechanism: Mechanism,
  src: string,
  complete: boolean,
): LbPick {
  const taking = service.targets.filter((t) => t.weight > 0);
  const [only] = taking;
  if (!only) return { kind: 'none', why: 'no target takes new connections (all have weight 0)' };
  if (taking.length === 1 && complete) return { kind: 'exact', target: only, why: 'the only target with weight > 0' };
  if (service.scheduler !== 'sh' || mechanism !== 'nftables' || !complete)
    return { kind: 'oneOf', why: complete ? SCHEDULER_WHY[service.scheduler] : 'status does not list every target' };
  const slots = slotsOf({ scheduler: service.scheduler, targets: [...service.targets] });
  const total = slots.reduce((a, b) => a + b, 0);
  const slot = jhashSlot(src, total);
  let end = 0;
  const index = slots.findIndex((n) => (end += n) > slot);
  const target = service.targets[index] ?? only;
  return { kind: 'exact', target, why: `jhash ip saddr mod ${total} = ${slot}` };
}
