/**
 * The proof a cluster-scoped side effect carries: which lease term it runs under. Terms of one scope are ordered by
 * epoch, so a write stamped with an older epoch than the one already on a resource is a stale leader's late write.
 */
export interface FencingToken {
  /** 'cluster' or 'az/<az-id>'. */
  scope: string;
  holder: string;
  /** The SSM version at which this term's claim landed: grows with every new term. */
  epoch: number;
  /** The SSM version of the holder's latest successful renew. */
  version: number;
}

/** Handed to cluster- and AZ-scoped controllers: the check they make before every AWS call that changes something. */
export interface LeaseGuard {
  readonly scope: string;
  /** The current token; throws ControllerError('LeaseLost') when this node does not hold a valid lease of the scope. */
  assertHeld(): FencingToken;
}

/** Tag keys a fenced write leaves on the AWS resources it changes. */
export const FENCING_TAGS = {
  holder: 'cloudspectra:lease-holder',
  epoch: 'cloudspectra:lease-epoch',
  scope: 'cloudspectra:lease-scope',
} as const;
