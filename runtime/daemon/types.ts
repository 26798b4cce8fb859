import type { CommandRunner } from '../ports.js';

/** What the supervisor needs to know about one daemon; the rest of the pattern is the same for every daemon. */
export interface DaemonDefinition {
  /** Names the daemon in logs, status and its state files (squid, haproxy, ...). */
  name: string;
  /** The config file's name inside a revision (the supervisor hands the daemon `<root>/current/<configFile>`). */
  configFile: string;
  /** Runs the daemon in the foreground (no self-daemonising: the supervisor is its parent and sees it exit). */
  runArgs(configPath: string): string[];
  /** The daemon's own config check; a non-zero exit refuses the candidate. */
  checkArgs(configPath: string): string[];
  /** The lines of the check's output worth showing in status. */
  checkErrors(output: string): string[];
  /** Asks the running daemon to re-read its config. */
  reloadArgs(configPath: string): string[];
  /** Directories the daemon writes (cache, logs, pid): created before a start and owned by its user. */
  writableDirs: readonly string[];
  /** Run before every start (squid -z creates missing cache directories); optional. */
  prepareArgs?(configPath: string): string[];
  /** Answers a real request the way clients would: proves it listens and serves. */
  health(runner: CommandRunner, running: RunningConfig, signal: AbortSignal): Promise<HealthResult>;
}

export interface HealthResult {
  ok: boolean;
  message: string;
}

/** The revision a running daemon was started or reloaded with. */
export interface RunningConfig {
  hash: string;
  /** The generation (SSM version) of the resource the revision was rendered from. */
  generation?: number;
  /** What a reload cannot change; a revision with another key needs a restart. */
  restartKey?: string;
  /** host:port the health probe connects to. */
  healthTarget?: string;
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
  /** The check output of the last candidate refused, until a candidate passes. */
  lastCheckError?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/** A process the supervisor started: its exit is known at once. */
export interface SpawnedProcess {
  pid: number;
  exited: Promise<ProcessExit>;
}

/** Starting and watching long-running processes; never a shell. */
export interface ProcessPort {
  /** Starts argv detached in its own process group, stdout and stderr appended to outputFile. */
  spawn(argv: readonly string[], outputFile: string): Promise<SpawnedProcess>;
  /** Whether pid is alive and runs `program` (basename of its argv[0]): a recycled pid is not ours. */
  isRunning(pid: number, program: string): Promise<boolean>;
  kill(pid: number, signal: NodeJS.Signals): void;
}
