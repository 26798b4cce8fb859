import type { TableDelta } from '../../renderers/nft/delta.js';
import type { ObservedTable } from '../../renderers/nft/model.js';
import type { Rejection } from '../../runtime/resource-admission.js';
import type { SysctlValue } from '../../runtime/ports.js';
import type { IpvsService } from './ipvs-port.js';
import type { MembershipSnapshot } from './membership/types.js';
import type { LbProtocol, LoadBalancerSpec, Scheduler } from './spec.js';

export type Mechanism = 'ipvs' | 'nftables';

/** One admitted LoadBalancer resource: a virtual service with a stable id (fwmark low bits, chain names). */
export interface LbService {
  name: string;
  generation: number;
  /** 1..0xffff, from the resource name. */
  id: number;
  spec: LoadBalancerSpec;
}

export interface LoadBalancerDesired {
  /** In claim order. */
  services: LbService[];
  rejected: Rejection[];
  /** Every resource rejected, none admitted since start: keep the data plane as found (Admission.holdAsFound). */
  holdAsFound?: true;
}

/** When each drain began (ISO), by resource, then by "address:port". Kept in memory, updated after an apply. */
export type DrainLedger = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A target as the kernel has it. Weight 0: no new connections, established ones continue. */
export interface KernelTarget {
  address: string;
  port: number;
  weight: number;
}

/** A virtual service as the kernel path renders it: the planned weights, weight-0 targets included. */
export interface KernelService {
  id: number;
  protocol: LbProtocol;
  address?: string;
  port: number;
  /** The scheduler in effect on this path (lc/wlc/mh run as wrr on nftables). */
  scheduler: Scheduler;
  sourceNat: boolean;
  targets: KernelTarget[];
}

export interface LoadBalancerObserved {
  mechanism: Mechanism;
  /** The clock at observe time (ISO): the planner never reads a clock. */
  now: string;
  table?: ObservedTable;
  /** IPVS path: every virtual service (the plan touches only those with our marks). */
  ipvs?: IpvsService[];
  /** IPVS path with a sourceNat service: net.ipv4.vs.conntrack, which must be 1 for postrouting to masquerade. */
  vsConntrack?: SysctlValue;
  memberships: Readonly<Record<string, MembershipSnapshot>>;
  ledger: DrainLedger;
  /** A full observe (first pass, after a failed apply): any table change replaces the whole table. */
  rebuild?: boolean;
}

export type LoadBalancerAction =
  | TableDelta
  | { op: 'deleteTable'; reason: 'NoResource' }
  | { op: 'ipvs'; lines: string[] }
  | { op: 'sysctl'; key: string; value: string }
  | { op: 'recordDrains'; ledger: DrainLedger };
