import { filter, interval, map, merge, type Observable } from 'rxjs';
import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import type { Controller } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { NftPort, SysctlPort } from '../../runtime/ports.js';
import { applyLoadBalancer } from './apply.js';
import { createLoadBalancerDecoder } from './decode.js';
import type { IpvsPort } from './ipvs-port.js';
import type { MembershipTracker } from './membership/types.js';
import { DEFAULT_MAX_SERVICES, LB_TABLE } from './names.js';
import { observeLoadBalancer, probeMechanism } from './observe.js';
import { describeLoadBalancerAction, planLoadBalancer } from './plan.js';
import { validateLoadBalancerSpec, type LoadBalancerSpec } from './spec.js';
import { loadBalancerDetails, loadBalancerWarnings, neverAdmitted } from './status.js';
import type { DrainLedger, LoadBalancerAction, LoadBalancerDesired, LoadBalancerObserved, Mechanism } from './types.js';

export { planLoadBalancer, planServices } from './plan.js';
export { planServiceTargets } from './targets.js';
export { renderLbTable } from './nft-table.js';
export { planIpvs } from './ipvs-plan.js';

export interface LoadBalancerOptions {
  nft: NftPort;
  /** IPVS through ipvsadm (adapters/ipvs.ts); without it the nftables path is the only one. */
  ipvs?: IpvsPort;
  /** Sets net.ipv4.vs.conntrack for sourceNat services on the IPVS path. */
  sysctl?: SysctlPort;
  membership: MembershipTracker;
  clock?: () => Date;
  /** Default: IPVS when available, else nftables. */
  mechanism?: Mechanism;
  maxServices?: number;
  /** How often the controller asks to be observed between resyncs: membership syncs and drain ends. */
  tickMs?: number;
}

export type LoadBalancerController = Controller<
  LoadBalancerSpec,
  LoadBalancerDesired,
  LoadBalancerObserved,
  LoadBalancerAction
>;

export function createLoadBalancerController(opts: LoadBalancerOptions): LoadBalancerController {
  const table = new OwnedTable(opts.nft, LB_TABLE.family, LB_TABLE.name);
  const clock = opts.clock ?? ((): Date => new Date());
  const state: { mechanism: Mechanism; ledger: DrainLedger } = { mechanism: opts.mechanism ?? 'nftables', ledger: {} };
  let tracked = new Set<string>();
  const changes$: Observable<void> = merge(
    interval(opts.tickMs ?? 5000).pipe(
      filter(() => tracked.size > 0),
      map((): void => undefined),
    ),
    table.changes$,
  );
  return {
    kind: loadBalancerKind,
    validateSpec: validateLoadBalancerSpec,
    decode: createLoadBalancerDecoder(opts.maxServices ?? DEFAULT_MAX_SERVICES),
    changes$,
    async probe(signal) {
      const result = await probeMechanism(opts, opts.mechanism, signal);
      if (result.mechanism) state.mechanism = result.mechanism;
      const { mechanism: _chosen, ...probe } = result;
      return probe;
    },
    observe(signal, { full, desired }) {
      const services = desired.spec.services;
      const names = new Set(services.map((s) => s.name));
      for (const gone of tracked) if (!names.has(gone)) opts.membership.forget(gone);
      tracked = names;
      const deps = { table, membership: opts.membership, clock, ...portsOf(opts) };
      return observeLoadBalancer(deps, { ...state, services }, signal, full);
    },
    plan: planLoadBalancer,
    apply(actions, signal) {
      const recordDrains = (ledger: DrainLedger): void => {
        state.ledger = ledger;
      };
      return applyLoadBalancer({ table, recordDrains, ...portsOf(opts) }, actions, signal);
    },
    describe: describeLoadBalancerAction,
    details: (desired, observed) => ({
      ...loadBalancerDetails(desired, observed),
      tamperDetection: table.tamperDetection,
    }),
    warnings: loadBalancerWarnings,
    conditions: neverAdmitted,
    shutdown: () => Promise.resolve(table.close()),
  };
}

function portsOf(opts: LoadBalancerOptions): { ipvs?: IpvsPort; sysctl?: SysctlPort } {
  return { ...(opts.ipvs ? { ipvs: opts.ipvs } : {}), ...(opts.sysctl ? { sysctl: opts.sysctl } : {}) };
}
