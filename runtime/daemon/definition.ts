/**
 * A daemon as data, the way a systemd unit or a Kubernetes probe says it: what to run, how to check and reload its
 * config, how to tell it is ready and within which window. The kit (DaemonSupervisor, planDaemon) does the rest.
 */

/** An argument vector; `{config}` is replaced by the config file's path (the candidate's, for the check). */
export type Argv = readonly string[];

/** How the running daemon takes a new revision: a signal, a command, or only a restart. */
export type ReloadSpec = { signal: NodeJS.Signals } | { command: Argv } | 'restart';

/** How to tell the daemon serves; run in the managed network namespace. */
export type ReadinessProbe =
  /** A socket listens on host:port (0.0.0.0 or :: listeners count for every host). */
  | { tcp: { host: string; port: number } }
  /** An HTTP GET answers 2xx or 3xx; `fromAddress` is the local address the request leaves from. */
  | { http: { url: string; fromAddress?: string } }
  /** An OpenAI-compatible model server (vLLM): GET <base>/health answers 2xx and GET <base>/v1/models lists the model. */
  | { openaiModel: { baseUrl: string; model: string } }
  /** A command exits 0. */
  | { command: Argv };

/** Kubernetes' probe timing: the first probe after initialDelayMs, then every periodMs, given up after timeoutMs. */
export interface ReadinessWindow {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
}

/** Checks run before a revision goes live; a failure refuses it like a failed config check. */
export type PreflightCheck =
  /** The address is one of the managed namespace's own. */
  | { localAddress: string }
  /** Nothing listens on host:port, or only the daemon itself. */
  | { portAvailable: { host: string; port: number } };

export interface HealthResult {
  ok: boolean;
  message: string;
}

export interface DaemonDefinition {
  /** Names the daemon in logs, status and its state files. */
  name: string;
  /** The config file's name inside a revision (the daemon is handed `<root>/current/<configFile>`). */
  configFile: string;
  /** Runs the daemon in the foreground: the kit is its parent and sees it exit. Also its identity (cmdline). */
  start: Argv;
  /** The daemon's own config check, run on a candidate; a non-zero exit refuses it. Optional. */
  check?: Argv;
  /** Environment variables set for the daemon on top of the operator's (switching off telemetry, ...). */
  environment?: Readonly<Record<string, string>>;
  /** Run before every start (creating cache directories, ...). */
  prepare?: Argv;
  reload: ReloadSpec;
  /** Has the daemon reopen its log files after they were moved aside. */
  reopenLogs?: { signal: NodeJS.Signals } | { command: Argv };
  readiness: ReadinessWindow;
  /** Directories the daemon writes: created before a start and owned by its user. */
  writableDirs: readonly string[];
  /**
   * The account it runs as. `switchesItself`: it starts as root and drops to the user on its own (squid), else the
   * kit starts it as the user.
   */
  user?: { name: string; switchesItself: boolean };
  /** On operator shutdown: stop it, or keep it serving for the next operator to adopt. */
  onShutdown: 'stop' | 'keep';
  /** The lines of a command's output worth showing in status (default: the last lines). */
  problems?(output: string): string[];
}

/** Checks a definition once, at wiring: a mistake here is a programming error, not a runtime condition. */
export function defineDaemon(def: DaemonDefinition): DaemonDefinition {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`daemon name ${def.name}: lower-case letters and digits`);
  if (def.start.length === 0) throw new Error(`${def.name}: empty start command`);
  if (def.configFile.includes('/')) throw new Error(`${def.name}: configFile is a plain file name`);
  const { initialDelayMs, periodMs, timeoutMs } = def.readiness;
  if (periodMs <= 0 || initialDelayMs < 0 || timeoutMs < initialDelayMs)
    throw new Error(`${def.name}: readiness window needs periodMs > 0 and initialDelayMs <= timeoutMs`);
  return Object.freeze({ ...def });
}

/** argv with `{config}` replaced. */
export function expand(argv: Argv, config: string): string[] {
  return argv.map((a) => a.replaceAll('{config}', config));
}
