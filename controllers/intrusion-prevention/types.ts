import type { DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonObservation, DaemonRevision } from '../../runtime/daemon/types.js';
import type { IpsMode } from '../../renderers/suricata/model.js';

/** How forwarded packets reach Suricata: nft's `queue` statement, or the xt NFQUEUE target through iptables-nft. */
export type QueueMechanism = 'nft-queue' | 'xt-nfqueue';

/** One slice of forwarded traffic to inspect; empty lists match everything. */
export interface QueueSelector {
  sources: string[];
  destinations: string[];
  protocol: 'tcp' | 'udp' | 'icmp' | 'any';
  /** Destination ports, "80" or "1000-2000" (tcp and udp only). */
  ports: string[];
}

/** The kernel side: which packets go to which queues, and what happens while nobody reads them. */
export interface QueueSpec {
  selectors: QueueSelector[];
  first: number;
  count: number;
  /** failOpen: the kernel accepts packets while no Suricata listens on the queue. */
  bypass: boolean;
  /** Flow bypass: packets of a flow whose conntrack mark has this bit are not queued (Suricata sets it). */
  bypassMark?: number;
}

/** A rendered, hashed Suricata configuration (suricata.yaml, rule files, threshold.config). */
export interface IpsRevision extends DaemonRevision {
  restartKey: string;
  args: string[];
  ruleCount: number;
}

/** Where the desired state came from, for status (names and generations only). */
export interface IpsSources {
  domainFilters: { name: string; generation: number; mode: 'allow' | 'deny' }[];
  ruleSets: { name: string; generation: number; rules: number }[];
}

export interface IpsDesired {
  enabled: boolean;
  mode: IpsMode;
  failureMode: 'failOpen' | 'failClosed';
  revision?: IpsRevision;
  queue?: QueueSpec;
  sources: IpsSources;
}

/** What the kernel holds of the IPS's queue rules. */
export interface ObservedQueue {
  /** Anything of the IPS is in the kernel (its chain or table, or a hook into the forward path). */
  present: boolean;
  /** The hash the installed rules carry; undefined when none are installed. */
  hash?: string;
  /** The rules are installed whole: the hook into the forward path exactly once and every rule of the hash. */
  intact: boolean;
  /** Packets the queue rules sent to Suricata (or bypassed past it) since they were installed. */
  packets: number;
  /** Packets of bypassed flows the kernel kept out of the queue (flow bypass only). */
  bypassedPackets?: number;
}

export interface IpsObserved {
  daemon: DaemonObservation;
  queue: ObservedQueue;
  /** From the probe: the mechanism, or why the IPS cannot run here. */
  mechanism?: QueueMechanism;
  unavailable?: { reason: string; message: string };
  /** What Suricata says about its rules (unix socket), when it answers. */
  rules?: { loaded: number; failed: number; lastError?: string };
  counters: Record<string, number>;
  /** Queues a process listens on (from /proc/net/netfilter/nfnetlink_queue). */
  boundQueues: number[];
  /** Size of the live eve.json: past a limit it is rotated. */
  eveBytes: number;
}

export type IpsAction =
  | DaemonAction
  /** Installs the queue rules whole, in one transaction (replacing any earlier version). */
  | { type: 'queue'; queue: QueueSpec; mechanism: QueueMechanism }
  /** Takes the IPS out of the forward path. */
  | { type: 'unqueue'; mechanism: QueueMechanism }
  /** Moves eve.json and suricata.log aside (one old generation kept) and has Suricata reopen them. */
  | { type: 'rotateLogs' };
