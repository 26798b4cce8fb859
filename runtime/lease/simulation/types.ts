import type { LeaseCommand, LeaseCoreOptions, LeaseInput } from '../core.js';
import type { FencingToken } from '../fencing.js';
import type { LeaseRecord } from '../record.js';

/** What the simulator needs of a lease core: LeaseCore itself, or a deliberately broken wrapper in tests. */
export interface SimCore {
  handle(input: LeaseInput, now: number): LeaseCommand[];
  isLeader(now: number): boolean;
  token(now: number): FencingToken | undefined;
}

export type CoreFactory = (opts: LeaseCoreOptions) => SimCore;

/** Addressed to one incarnation of a node: anything for an earlier incarnation died with its process. */
interface Addressed {
  node: number;
  incarnation: number;
}

export type NodeEvent =
  | (Addressed & { kind: 'response'; id: number; input: LeaseInput })
  | (Addressed & { kind: 'timeout'; id: number })
  | (Addressed & { kind: 'wake'; gen: number })
  /** The bound on a graceful shutdown: the process exits even if the release never completed. */
  | (Addressed & { kind: 'exit' });

export type SimEvent =
  | NodeEvent
  /** A request arriving at SSM: a write when it carries a record, else a read. */
  | (Addressed & { kind: 'request'; id: number; record?: LeaseRecord })
  | { kind: 'fault'; node: number }
  /** Boots the node if it is still down in this incarnation (0: never started). */
  | { kind: 'boot'; node: number; incarnation: number }
  | { kind: 'resume'; node: number; pauseNo: number }
  /** Faults stop: calm network, every node up. */
  | { kind: 'quiet' };

export interface SimStats {
  events: number;
  terms: number;
  /** Terms won by a different holder than the previous term's. */
  takeovers: number;
  /** Claims that landed at a version other than basedOn + 1 (ground truth from the store). */
  claimsLost: number;
  /** Claims sent when the version they were based on had already been overwritten: they cannot win. */
  staleClaims: number;
  /** Writes that landed after their sender had given up on them. */
  lateLandings: number;
  lostMessages: number;
  crashes: number;
  pauses: number;
  releases: number;
  superseded: number;
  deadlineExceeded: number;
  renewFailures: number;
  reads: number;
  writes: number;
}

export function emptyStats(): SimStats {
  return {
    events: 0,
    terms: 0,
    takeovers: 0,
    claimsLost: 0,
    staleClaims: 0,
    lateLandings: 0,
    lostMessages: 0,
    crashes: 0,
    pauses: 0,
    releases: 0,
    superseded: 0,
    deadlineExceeded: 0,
    renewFailures: 0,
    reads: 0,
    writes: 0,
  };
}
