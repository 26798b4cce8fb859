import type { NftTable, ObservedTable } from '../../renderers/nft/model.js';
import type { InterfaceAddress, RouteInfo, SysctlValue } from '../../runtime/ports.js';
import type { SourceNatSpec } from './spec.js';

/**
 * The spec, plus the other resources that need forwarding (`PortForward/web`): SourceNat owns ip_forward for them too,
 * whether or not NAT itself is enabled.
 */
export type SourceNatDesired = SourceNatSpec & { forwardingFor?: readonly string[] };

/** What the SourceNat controller reads from the host on every pass. */
export interface SourceNatObserved {
  table?: ObservedTable;
  sysctls: Record<string, SysctlValue>;
  defaultRoute?: RouteInfo;
  addresses: InterfaceAddress[];
}

export type SourceNatAction =
  | { op: 'replaceTable'; table: NftTable; reason: 'TableMissing' | 'TableDiffers' }
  | { op: 'deleteTable'; reason: 'Disabled' | 'NoResource' }
  | { op: 'setSysctl'; key: string; value: string; current?: string };

/** Defaults resolved against the host, reported in status so users see what "default" meant. */
export interface ResolvedNat {
  egressInterface: string;
  egressInterfaceSource: 'spec' | 'defaultRoute';
  sourceCidrs: string[];
  sourceCidrsSource: 'spec' | 'vpc' | 'connectedNetworks';
}
