import type { TableChange } from '../../renderers/nft/delta.js';
import type { ObservedTable } from '../../renderers/nft/model.js';
import type { Rejection } from '../../runtime/resource-admission.js';
import type { SysctlValue } from '../../runtime/ports.js';
import type { Forward } from './forwards.js';

/** The merged forwards of every admitted PortForward resource, and what was left out. */
export interface PortForwardDesired {
  /** In claim order: the resources admitted first come first. */
  forwards: Forward[];
  resources: { name: string; generation: number; rules: number }[];
  rejected: Rejection[];
  /** Every resource rejected, none admitted since start: keep the data plane as found (Admission.holdAsFound). */
  holdAsFound?: true;
}

export interface PortForwardObserved {
  table?: ObservedTable;
  /** Read, never written: SourceNat owns it. */
  ipForward: SysctlValue;
}

export type PortForwardAction = TableChange | { op: 'deleteTable'; reason: 'NoResource' };
