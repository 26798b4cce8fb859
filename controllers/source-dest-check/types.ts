import type { NetworkInterfaceView } from '../../runtime/aws/ports.js';

/** The spec with the interface resolved; null when no resource exists (the check is then left as it is). */
export interface SourceDestCheckTarget {
  networkInterfaceId: string;
  networkInterfaceSource: 'spec' | 'identity';
  enabled: boolean;
}

export interface SourceDestCheckObserved {
  /** The interface that was read: the one the desired state being reconciled names. */
  networkInterfaceId?: string;
  /** undefined when the interface does not exist. */
  networkInterface?: NetworkInterfaceView;
}

export interface SourceDestCheckAction {
  op: 'setSourceDestCheck';
  networkInterfaceId: string;
  enabled: boolean;
}
