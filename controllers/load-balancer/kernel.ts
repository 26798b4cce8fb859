import type { PlannedService } from './targets.js';
import type { Scheduler } from './spec.js';
import type { KernelService, LbService, Mechanism } from './types.js';

/** The schedulers the nftables path runs itself; the others are served as wrr there. */
const NFT_SCHEDULERS: readonly Scheduler[] = ['rr', 'wrr', 'sh'];

/** The scheduler in effect: IPVS runs every one; nftables runs rr, wrr and sh, and the rest as wrr. */
export function effectiveScheduler(scheduler: Scheduler, mechanism: Mechanism): Scheduler {
  return mechanism === 'ipvs' || NFT_SCHEDULERS.includes(scheduler) ? scheduler : 'wrr';
}

/** A service and its planned targets, as the kernel path renders them. */
export function kernelServiceOf(service: LbService, planned: PlannedService, mechanism: Mechanism): KernelService {
  const { listener } = service.spec;
  return {
    id: service.id,
    protocol: listener.protocol,
    ...(listener.address !== undefined ? { address: listener.address } : {}),
    port: listener.port,
    scheduler: effectiveScheduler(service.spec.scheduler, mechanism),
    sourceNat: service.spec.sourceNat,
    targets: planned.targets.map((t) => ({ address: t.address, port: t.port, weight: t.weight })),
  };
}
