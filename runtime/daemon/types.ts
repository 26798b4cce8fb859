import type { HealthResult, PreflightCheck, ReadinessProbe } from './definition.js';
import type { RenderedFile } from './files.js';

/** The revision a running daemon was started or reloaded with. */
export interface RunningConfig {
  hash: string;
  /** The generation (SSM version) of the resource the revision was rendered from. */
  generation?: number;
  /** What a reload cannot change; a revision with another key needs a restart. */
  restartKey?: string;
  /**
   * Arguments after the definition's start command that differ per revision (Suricata's `-q` queue range): a
   * revision with other args needs a restart.
   */
  args?: readonly string[];
  /** How to tell the daemon serves this revision (where it listens). */
  ready?: ReadinessProbe;
  /**
   * The sockets this revision listens on: a pre-flight port check counts them as the daemon's own when `ss` cannot
   * name a socket's process (reading another user's /proc/<pid>/fd needs ptrace rights a container may lack).
   */
  listens?: Socket[];
}

export interface Socket {
  host: string;
  port: number;
}

/** A rendered revision the controller wants live, with what the kit checks before and after it goes live. */
export interface DaemonRevision extends RunningConfig {
  files: RenderedFile[];
  /** Cheap checks of the host before the revision goes live (the address is local, the port is free). */
  preflight?: PreflightCheck[];
}

/** A revision that did not become ready within its window: not retried until the desired revision changes. */
export interface FailedRevision {
  hash: string;
  generation?: number;
  error: string;
}

export type DaemonPhase = 'stopped' | 'starting' | 'running' | 'unhealthy' | 'backoff';

export interface DaemonObservation {
  phase: DaemonPhase;
  pid?: number;
  /** What the running process was last started or reloaded with. */
  running?: RunningConfig;
  /** ISO time the process started. */
  since?: string;
  health?: HealthResult;
  /** The revision `current` points at: what a start or reload would load. */
  installedHash?: string;
  /** recent: crashes within the last windowSeconds; loop: as many as make a crash loop. */
  crashes: { recent: number; windowSeconds: number; loop: boolean; lastExit?: string; restartAt?: string };
  /** The check (or pre-flight) output of the last candidate refused, until a candidate passes. */
  lastCheckError?: string;
  /** The last revision that answered its readiness probe: what a failed revision is rolled back to. */
  healthy?: RunningConfig;
  /** The last revision that never became ready. */
  failed?: FailedRevision;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/**
 * Who a process is: its pid, its start time (field 22 of /proc/<pid>/stat, clock ticks since boot: a recycled pid
 * has another) and its command line (/proc/<pid>/cmdline: tells two `python3 -m ...` processes apart).
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
  argv: string[];
}

/** A process the supervisor started: `exited` resolves once it has exited and been reaped. */
export interface SpawnedProcess {
  pid: number;
  exited: Promise<ProcessExit>;
}

export interface SpawnOptions {
  /** stdout and stderr are appended here. */
  outputFile: string;
  /** Set on top of the operator's environment. */
  env?: Readonly<Record<string, string>>;
  /** Run as this account (a daemon that does not drop privileges itself). */
  uid?: number;
  gid?: number;
}

/** Starting and watching long-running processes; never a shell. */
export interface ProcessPort {
  /** Starts argv detached in its own process group. */
  spawn(argv: readonly string[], opts: SpawnOptions): Promise<SpawnedProcess>;
  /** What /proc says about pid now; undefined when it is gone or has exited (a zombie). */
  identify(pid: number): Promise<ProcessIdentity | undefined>;
  kill(pid: number, signal: NodeJS.Signals): void;
}
