import type { DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonObservation, DaemonRevision } from '../../runtime/daemon/types.js';
import type { DomainFilterMode } from '../../policy/domains/policy.js';
import type { AccessLogCounters } from './access-log.js';

/** A rendered, hashed squid configuration, ready to install, with its readiness probe and pre-flight checks. */
export interface ProxyRevision extends DaemonRevision {
  /** Differs when a reload cannot take the change (squid restarts instead). */
  restartKey: string;
  /** host:port the proxy listens on, as shown in status. */
  listen: string;
}

/** Where the desired revision came from, for status (names and generations, never secret values). */
export interface ProxySources {
  domainFilters: { name: string; generation: number; mode: DomainFilterMode }[];
  authentication?: { secret: string; generation: number; users: number };
}

export interface ForwardProxyDesired {
  enabled: boolean;
  revision?: ProxyRevision;
  sources: ProxySources;
}

export interface ForwardProxyObserved {
  daemon: DaemonObservation;
  counters: AccessLogCounters;
  /** Size of the live access log: past a limit it is rotated. */
  accessLogBytes: number;
  /** Why squid cannot run on this host; planning an enabled proxy then fails with this reason. */
  unavailable?: { reason: string; message: string };
}

/** The kit's actions, plus the one squid-specific step. Describing one never shows file contents. */
export type ForwardProxyAction = DaemonAction | { type: 'rotateLogs' };
