/** The narrow interfaces every side effect goes through. Real adapters live in adapters/, fakes in testing/. */
import type { Observable } from 'rxjs';
import type { ListOptions, NftOp, NftTable, ObservedTable, NftFamily } from '../renderers/nft/model.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array; never a shell string. Non-zero exits are returned, not thrown. */
export interface CommandRunner {
  run(file: string, args: readonly string[], opts: RunOptions): Promise<CommandResult>;
}

export interface RunOptions {
  input?: string;
  signal: AbortSignal;
  /** Told the child's pid as soon as it is spawned (nft commits: `nft monitor` attributes generations by pid). */
  onPid?: (pid: number) => void;
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
  /** Notice of changes to one table that this process did not commit; absent when nothing watches (tests, fakes). */
  watch?(family: NftFamily, name: string): TableWatch;
}

/** One table as `nft monitor` sees it (adapters/nft-monitor.ts). */
export interface TableWatch {
  /** True while every change to the table is seen; false: only a listing tells what the table holds. */
  live(): boolean;
  /** Grows whenever the table may have changed behind this process: a foreign commit, lost events, a (re)start. */
  epoch(): number;
  /** Emits shortly after the epoch grows. */
  readonly changes$: Observable<void>;
  /** Stops watching (the monitor stops with the last watch). */
  close(): void;
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
