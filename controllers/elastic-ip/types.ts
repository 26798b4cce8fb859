import type { AddressView } from '../../runtime/aws/ports.js';
import type { FencingToken } from '../../runtime/lease/fencing.js';

/** The spec with defaults resolved against this instance; null when no resource exists (the controller owns nothing). */
export interface ElasticIpTarget {
  allocationId: string;
  networkInterfaceId: string;
  networkInterfaceSource: 'spec' | 'identity';
  privateIpAddress?: string;
}

export interface ElasticIpObserved {
  /** The allocation that was read: the one the desired state being reconciled names. */
  allocationId?: string;
  /** undefined when the allocation does not exist. */
  address?: AddressView;
  /** The lease term at observe time; undefined when this node does not hold the lease. */
  token?: FencingToken;
}

export type ElasticIpAction =
  | { op: 'tagFencing'; allocationId: string }
  | {
      op: 'associate';
      allocationId: string;
      publicIp: string;
      networkInterfaceId: string;
      privateIpAddress?: string;
      from?: string;
    };
