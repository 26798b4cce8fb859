import type { DomainPolicy } from '../../policy/domains/policy.js';
import type { PortRange } from '../../policy/ports.js';

export type { PortRange };

/** A proxy user: a name and a crypt(3)-style hash basic_ncsa_auth verifies (never a clear-text password). */
export interface ProxyUser {
  name: string;
  hash: string;
}

/**
 * Everything squid.conf and its side files say, fully resolved and already validated: the renderer trusts every
 * value here, so only validated specs may build one (controllers/forward-proxy/model.ts).
 */
export interface SquidModel {
  /** Absolute paths. revisionDir holds the rendered files; the others outlive revisions. */
  paths: {
    revisionDir: string;
    cacheDir: string;
    logDir: string;
    pidFile: string;
  };
  /** The account squid drops to (cache_effective_user). */
  user: string;
  listen: { address?: string; port: number };
  clientCidrs: readonly string[];
  /** Ports plain HTTP requests may go to (Safe_ports). */
  safePorts: readonly PortRange[];
  /** Ports CONNECT tunnels may go to (SSL_ports). */
  connectPorts: readonly PortRange[];
  auth?: { realm: string; users: readonly ProxyUser[] };
  domains: DomainPolicy;
  /** undefined: caching off (`cache deny all`). diskMb 0: memory only. */
  cache?: { memoryMb: number; diskMb: number; maxObjectSizeKb: number };
  /** Per-client download rate (delay pool class 3: clients told apart by the last 16 bits of their address). */
  bandwidth?: { bytesPerSecond: number; burstBytes: number };
}
