import { chown, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Subject, type Observable } from 'rxjs';
import { ControllerError } from '../controller.js';
import type { CommandRunner } from '../ports.js';
import { CrashHistory, DEFAULT_CRASH_POLICY, type CrashPolicy } from './crash-history.js';
import type { RenderedFile } from './files.js';
import type { FileOwner, RevisionStore } from './revisions.js';
import { runningConfig, StateFile, type RunningRecord } from './state-file.js';
import type {
  DaemonDefinition,
  DaemonObservation,
  DaemonPhase,
  ProcessExit,
  ProcessPort,
  RunningConfig,
} from './types.js';

export interface SupervisorOptions {
  /** Where the supervisor keeps its own state (the pid and running revision) and the daemon's output. */
  stateDir: string;
  /** On operator shutdown: stop the daemon, or leave it serving for the next operator to adopt. */
  onShutdown: 'stop' | 'keep';
  /** The daemon's own account: owns the directories it writes. */
  owner?: FileOwner;
  crashPolicy?: CrashPolicy;
  /** How long a start or reload may take to answer its health probe. */
  readyTimeoutMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** How often an adopted process (not our child) is checked for liveness. */
  pollMs?: number;
  now?: () => number;
}

const POLL_HEALTH_MS = 100;

/**
 * Runs one daemon the same way for every feature: checked config revisions, start / reload / restart / stop,
 * restarts after a crash with capped back-off, and adoption of a daemon left running by a previous operator.
 * Crash restarts happen here, not in the reconcile loop, so they do not wait for a resync.
 */
export class DaemonSupervisor {
  private readonly changes = new Subject<void>();
  readonly changes$: Observable<void> = this.changes.asObservable();
  private readonly crashes: CrashHistory;
  private readonly state: StateFile;
  private readonly now: () => number;
  private current?: RunningRecord;
  private lastExit?: string;
  private restartAt?: number;
  private restartTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private lastCheckError?: string;
  private stopping = false;
  private disposed = false;
  /** Process operations run one at a time: a crash restart never races a reload or a stop. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly def: DaemonDefinition,
    private readonly store: RevisionStore,
    private readonly processes: ProcessPort,
    private readonly runner: CommandRunner,
    private readonly opts: SupervisorOptions,
  ) {
    this.crashes = new CrashHistory(opts.crashPolicy ?? DEFAULT_CRASH_POLICY);
    this.state = new StateFile(join(opts.stateDir, `${def.name}.state.json`));
    this.now = opts.now ?? Date.now;
  }

  /** How long a start may take to answer; a process younger than this that does not answer is still starting. */
  private get readyTimeoutMs(): number {
    return this.opts.readyTimeoutMs ?? 15_000;
  }

  get configPath(): string {
    return join(this.store.currentDir, this.def.configFile);
  }

  /** Takes over a daemon a previous operator left running (its recorded pid still runs the daemon). */
  async adopt(): Promise<void> {
    return this.serial(async () => {
      if (this.current) return;
      const saved = await this.state.read();
      // A stale record is left alone (csgw diff probes too, and writes nothing): the next start replaces it.
      if (!saved || !(await this.processes.isRunning(saved.pid, this.program()))) return;
      this.current = saved;
      this.watchAdopted(saved.pid);
    });
  }

  async observe(signal: AbortSignal): Promise<DaemonObservation> {
    const now = this.now();
    const installedHash = await this.store.current();
    const base = {
      ...(installedHash ? { installedHash } : {}),
      ...(this.lastCheckError ? { lastCheckError: this.lastCheckError } : {}),
      crashes: {
        recent: this.crashes.count(now),
        windowSeconds: Math.round(this.crashes.windowMs / 1000),
        loop: this.crashes.inLoop(now),
        ...(this.lastExit ? { lastExit: this.lastExit } : {}),
        ...(this.restartAt ? { restartAt: new Date(this.restartAt).toISOString() } : {}),
      },
    };
    const running = this.current;
    if (!running) return { ...base, phase: this.restartAt ? 'backoff' : 'stopped' };
    const health = await this.def.health(this.runner, running, signal);
    const grace = now - running.startedAt < this.readyTimeoutMs;
    const phase: DaemonPhase = health.ok ? 'running' : grace ? 'starting' : 'unhealthy';
    return {
      ...base,
      phase,
      pid: running.pid,
      running: runningConfig(running),
      since: new Date(running.startedAt).toISOString(),
      health,
    };
  }

  /**
   * Stages a candidate revision, runs the daemon's own check on it, and only then makes it current. A refused
   * candidate is removed and its check output kept for status; the live revision is untouched.
   */
  async install(hash: string, files: readonly RenderedFile[], signal: AbortSignal): Promise<void> {
    const revision = await this.store.stage(hash, files);
    const candidate = join(revision.dir, this.def.configFile);
    const [file, ...args] = this.def.checkArgs(candidate);
    const result = await this.runner.run(file!, args, { signal });
    if (result.exitCode !== 0) {
      this.lastCheckError = this.problems(result);
      await this.store.discard(hash);
      throw new ControllerError('ConfigRejected', `${this.def.name} refused the new config: ${this.lastCheckError}`);
    }
    this.lastCheckError = undefined;
    await this.store.activate(hash);
  }

  /** Starts the daemon on the current revision and waits until it answers. */
  async start(config: RunningConfig, signal: AbortSignal): Promise<void> {
    return this.serial(async () => {
      this.cancelRestart();
      if (!this.current) await this.spawn(config, signal);
      await this.waitHealthy(signal);
    });
  }

  /** Has the running daemon re-read the current revision, then waits until it answers again. */
  async reload(config: RunningConfig, signal: AbortSignal): Promise<void> {
    return this.serial(async () => {
      const [file, ...args] = this.def.reloadArgs(this.configPath);
      const result = await this.runner.run(file!, args, { signal });
      if (result.exitCode !== 0)
        throw new ControllerError('ReloadFailed', `${this.def.name} reload: ${this.problems(result)}`);
      if (this.current) await this.record({ ...this.current, ...config });
      await this.waitHealthy(signal);
    });
  }

  async restart(config: RunningConfig, signal: AbortSignal): Promise<void> {
    return this.serial(async () => {
      await this.terminate();
      await this.spawn(config, signal);
      await this.waitHealthy(signal);
    });
  }

  async stop(): Promise<void> {
    return this.serial(async () => {
      this.cancelRestart();
      await this.terminate();
    });
  }

  /** Removes every revision (the feature was disabled). */
  async uninstall(): Promise<void> {
    await this.store.clear();
  }

  /** The operator is stopping: stop the daemon, or leave it running for the next operator when so configured. */
  async shutdown(): Promise<void> {
    this.disposed = true;
    this.cancelRestart();
    clearInterval(this.pollTimer);
    if (this.opts.onShutdown === 'stop') await this.stop();
    this.changes.complete();
  }

  private async spawn(config: RunningConfig, signal: AbortSignal): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true, mode: 0o750 });
    for (const dir of this.def.writableDirs) {
      // Parents traversable by the daemon's user, the directory itself its own.
      await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
      await mkdir(dir, { recursive: true, mode: 0o750 });
      if (this.opts.owner) await chown(dir, this.opts.owner.uid, this.opts.owner.gid);
    }
    if (this.def.prepareArgs) {
      const [file, ...args] = this.def.prepareArgs(this.configPath);
      const prepared = await this.runner.run(file!, args, { signal });
      if (prepared.exitCode !== 0)
        throw new ControllerError('StartFailed', `${file} ${args.join(' ')}: ${this.problems(prepared)}`);
    }
    const child = await this.processes.spawn(this.def.runArgs(this.configPath), this.outputFile());
    await this.record({ ...config, pid: child.pid, startedAt: this.now() });
    void child.exited.then((exit) => this.onExit(child.pid, exit));
  }

  private async waitHealthy(signal: AbortSignal): Promise<void> {
    const deadline = this.now() + this.readyTimeoutMs;
    for (;;) {
      const running = this.current;
      if (!running) throw new ControllerError('StartFailed', `${this.def.name} exited: ${await this.tail()}`);
      const health = await this.def.health(this.runner, running, signal);
      if (health.ok) return;
      if (this.now() > deadline)
        throw new ControllerError('NotReady', `${this.def.name} does not answer: ${health.message}`);
      await sleep(POLL_HEALTH_MS, undefined, { signal });
    }
  }

  /** SIGTERM, then SIGKILL after the stop timeout; returns once the process is gone. */
  private async terminate(): Promise<void> {
    const running = this.current;
    if (!running) return;
    this.stopping = true;
    try {
      this.processes.kill(running.pid, 'SIGTERM');
      const deadline = this.now() + (this.opts.stopTimeoutMs ?? 10_000);
      while (await this.processes.isRunning(running.pid, this.program())) {
        if (this.now() > deadline) this.processes.kill(running.pid, 'SIGKILL');
        await sleep(50);
      }
      this.current = undefined;
      await this.state.clear();
    } finally {
      this.stopping = false;
    }
  }

  private onExit(pid: number, exit: ProcessExit): void {
    const crashed = this.current;
    if (crashed?.pid !== pid || this.stopping) return;
    this.current = undefined;
    void this.state.clear();
    if (this.disposed) return;
    this.scheduleRestart(crashed, exit);
    this.changes.next();
  }

  private scheduleRestart(crashed: RunningConfig, exit: ProcessExit): void {
    this.lastExit = exit.signal
      ? `killed by ${exit.signal}`
      : exit.code === null
        ? 'gone'
        : `exited with code ${exit.code}`;
    const delay = this.crashes.record(this.now());
    this.restartAt = this.now() + delay;
    const config = runningConfig(crashed);
    this.restartTimer = setTimeout(() => void this.restartAfterCrash(config), delay);
  }

  /** Starts the daemon again on the current revision; a failure to start counts as one more crash. */
  private async restartAfterCrash(crashed: RunningConfig): Promise<void> {
    this.restartAt = undefined;
    await this.serial(async () => {
      if (this.disposed || this.current) return;
      const hash = (await this.store.current()) ?? crashed.hash;
      // Installed meanwhile: the reconcile that installed it reloads or restarts onto it; probe where it was.
      const config = hash === crashed.hash ? crashed : { ...runningConfig(crashed), hash, generation: undefined };
      try {
        await this.spawn(config, AbortSignal.timeout(30_000));
      } catch {
        this.scheduleRestart(config, { code: null, signal: null });
      }
    });
    this.changes.next();
  }

  private watchAdopted(pid: number): void {
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => {
      if (this.current?.pid !== pid) return clearInterval(this.pollTimer);
      void this.processes.isRunning(pid, this.program()).then((alive) => {
        if (alive || this.current?.pid !== pid) return;
        clearInterval(this.pollTimer);
        this.onExit(pid, { code: null, signal: null });
      });
    }, this.opts.pollMs ?? 500);
    this.pollTimer.unref();
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartAt = undefined;
  }

  private program(): string {
    return this.def.runArgs(this.configPath)[0]!.split('/').pop()!;
  }

  private outputFile(): string {
    return join(this.opts.stateDir, `${this.def.name}.out`);
  }

  /** The daemon's own error lines from a command's output, or its exit code when it printed none. */
  private problems(result: { exitCode: number; stdout: string; stderr: string }): string {
    const errors = this.def.checkErrors(`${result.stdout}\n${result.stderr}`);
    return errors.join('; ') || `exited with ${result.exitCode}`;
  }

  private async record(record: RunningRecord): Promise<void> {
    this.current = record;
    await this.state.write(record);
  }

  /** Why the daemon exited, from its output: its own error lines when it printed any, else the last lines. */
  private async tail(): Promise<string> {
    const text = await readFile(this.outputFile(), 'utf8').catch(() => '');
    const recent = text.trim().split('\n').slice(-40).join('\n');
    const errors = this.def.checkErrors(recent);
    return (errors.length > 0 ? errors.slice(-3) : recent.split('\n').slice(-3)).join(' | ') || 'no output';
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
