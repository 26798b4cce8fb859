/** The narrow interfaces every side effect goes through. Real adapters live in adapters/, fakes in testing/. */
import type { ListOptions, NftOp, NftTable, ObservedTable, NftFamily } from '../renderers/nft/model.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array; never a shell string. Non-zero exits are returned, not thrown. */
export interface CommandRunner {
  run(file: string, args: readonly string[], opts: { input?: string; signal: AbortSignal }): Promise<CommandResult>;
}

export interface NftPort {
  /** The table as the kernel has it, or undefined when it does not exist. */
  listTable(
    family: NftFamily,
    name: string,
    signal: AbortSignal,
    opts?: ListOptions,
  ): Promise<ObservedTable | undefined>;
  /** Runs all ops as one atomic transaction: all of them take effect or none does. */
  commit(ops: readonly NftOp[], signal: AbortSignal): Promise<void>;
  /** Checks ops without committing (nft --check). */
  check(ops: readonly NftOp[], signal: AbortSignal): Promise<void>;
}

export interface SysctlValue {
  /** undefined when the key does not exist in this kernel / namespace. */
  value?: string;
  /** false when the key is read-only here (e.g. a per-netns conntrack limit inside a container). */
  writable: boolean;
}

export interface SysctlPort {
  read(key: string, signal: AbortSignal): Promise<SysctlValue>;
  write(key: string, value: string, signal: AbortSignal): Promise<void>;
}

export interface RouteInfo {
  interface: string;
  gateway?: string;
}

export interface InterfaceAddress {
  interface: string;
  /** CIDR of the connected network, host bits cleared, e.g. 10.0.1.0/24. */
  network: string;
  address: string;
}

/** Read-only view of the host's IPv4 routing, used to resolve defaults. */
export interface HostNetPort {
  defaultRoute(signal: AbortSignal): Promise<RouteInfo | undefined>;
  addresses(signal: AbortSignal): Promise<InterfaceAddress[]>;
}

export type { NftTable };

/** A TCP connect from the managed namespace (load-balancer health checks): true once the handshake completes. */
export type TcpConnectCheck = (
  address: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<boolean>;
