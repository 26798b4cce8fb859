import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Subject, type Observable } from 'rxjs';
import { ControllerError } from '../controller.js';
import type { CommandRunner } from '../ports.js';
import { DEFAULT_CRASH_POLICY, type CrashPolicy } from './crash-history.js';
import { expand, type DaemonDefinition, type HealthResult } from './definition.js';
import { runningConfig, type DaemonAction } from './plan.js';
import { ProcessSlot } from './process-slot.js';
import { HostProbes } from './probes.js';
import type { FileOwner, RevisionStore } from './revisions.js';
import { JsonFile, type RevisionHistory } from './state-file.js';
import type { DaemonObservation, DaemonPhase, DaemonRevision, ProcessPort, RunningConfig } from './types.js';

export interface SupervisorOptions {
  /** Where the supervisor keeps its own state (the pid, the revision history) and the daemon's output. */
  stateDir: string;
  /** The daemon's own account: owns the directories it writes (and runs it, unless it switches itself). */
  owner?: FileOwner;
  crashPolicy?: CrashPolicy;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** How often an adopted process (not our child) is checked for liveness. */
  pollMs?: number;
  now?: () => number;
}

/**
 * Runs one daemon described by a DaemonDefinition: checked and pre-flighted revisions, start / reload / restart /
 * roll back / stop as planned by planDaemon, crash restarts with back-off, adoption of a daemon a previous operator
 * left running, and the record of which revision last ran healthy and which failed. Process operations are
 * serialized: a crash restart never races a reload or a stop.
 */
export class DaemonSupervisor {
  private readonly changes = new Subject<void>();
  readonly changes$: Observable<void> = this.changes.asObservable();
  private readonly slot: ProcessSlot;
  private readonly probes: HostProbes;
  private readonly history: JsonFile<RevisionHistory>;
  private readonly now: () => number;
  private revisions: RevisionHistory = {};
  private lastCheckError?: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly def: DaemonDefinition,
    private readonly store: RevisionStore,
    processes: ProcessPort,
    private readonly runner: CommandRunner,
    private readonly opts: SupervisorOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.probes = new HostProbes(runner);
    this.history = new JsonFile(join(opts.stateDir, `${def.name}.revisions.json`));
    this.slot = new ProcessSlot(def, processes, {
      stateFile: join(opts.stateDir, `${def.name}.state.json`),
      outputFile: join(opts.stateDir, `${def.name}.out`),
      ...(opts.owner ? { owner: opts.owner } : {}),
      crashPolicy: opts.crashPolicy ?? DEFAULT_CRASH_POLICY,
      stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
      pollMs: opts.pollMs ?? 500,
      now: this.now,
      restart: (crashed) => this.serial(() => this.restartAfterCrash(crashed)),
      changed: () => this.changes.next(),
    });
  }

  get configPath(): string {
    return join(this.store.currentDir, this.def.configFile);
  }

  /** Takes over a daemon a previous operator left running, and the revision history it kept. */
  async adopt(): Promise<void> {
    return this.serial(async () => {
      this.revisions = (await this.history.read()) ?? this.revisions;
      if (!this.slot.current) await this.slot.adopt(this.startArgv());
    });
  }

  async observe(signal: AbortSignal): Promise<DaemonObservation> {
    const now = this.now();
    const installedHash = await this.store.current();
    const { crashes, lastExit, restartAt } = this.slot;
    const base = {
      ...(installedHash ? { installedHash } : {}),
      ...(this.lastCheckError ? { lastCheckError: this.lastCheckError } : {}),
      ...this.revisions,
      crashes: {
        recent: crashes.count(now),
        windowSeconds: Math.round(crashes.windowMs / 1000),
        loop: crashes.inLoop(now),
        ...(lastExit ? { lastExit } : {}),
        ...(restartAt ? { restartAt: new Date(restartAt).toISOString() } : {}),
      },
    };
    const running = this.slot.current;
    if (!running) return { ...base, phase: restartAt ? 'backoff' : 'stopped' };
    const health = await this.health(running, signal);
    const grace = now - Math.max(running.startedAt, running.reloadedAt ?? 0) < this.def.readiness.timeoutMs;
    const phase: DaemonPhase = health.ok ? 'running' : grace ? 'starting' : 'unhealthy';
    const since = new Date(running.startedAt).toISOString();
    return { ...base, phase, pid: running.pid, running: runningConfig(running), since, health };
  }

  async apply(action: DaemonAction, signal: AbortSignal): Promise<void> {
    switch (action.type) {
      case 'install':
        return this.install(action.revision, signal);
      case 'activate':
        return this.activate(action.hash);
      case 'start':
        return this.serial(() => this.goLive(action.config, signal, () => this.startIfStopped(action.config, signal)));
      case 'reload':
        return this.serial(() => this.goLive(action.config, signal, () => this.reload(action.config, signal)));
      case 'restart':
        return this.serial(() => this.goLive(action.config, signal, () => this.restart(action.config, signal)));
      case 'stop':
        return this.serial(() => this.stopNow());
      case 'uninstall':
        return this.uninstall();
    }
  }

  /** Has the daemon reopen its logs (they were moved aside). */
  async reopenLogs(signal: AbortSignal): Promise<void> {
    const how = this.def.reopenLogs;
    if (!how) return;
    if ('signal' in how) this.slot.signal(how.signal);
    else await this.runChecked(expand(how.command, this.configPath), 'ReopenLogsFailed', signal);
  }

  /** The operator is stopping: stop the daemon, or leave it running for the next operator when so defined. */
  async shutdown(): Promise<void> {
    this.slot.dispose();
    if (this.def.onShutdown === 'stop') await this.serial(() => this.stopNow());
    this.changes.complete();
  }

  /**
   * Stages a candidate, runs the daemon's check (if it has one) and the revision's pre-flight checks, and only then
   * makes it current. A refused candidate is removed and why is kept for status; the live revision is untouched.
   */
  private async install(revision: DaemonRevision, signal: AbortSignal): Promise<void> {
    const staged = await this.store.stage(revision.hash, revision.files);
    const refuse = async (reason: string, what: string, why: string): Promise<never> => {
      this.lastCheckError = why;
      await this.store.discard(revision.hash);
      throw new ControllerError(reason, `${what}: ${why}`);
    };
    if (this.def.check) {
      // A check may open what the config names (Suricata's log directory): the daemon's directories exist first.
      await this.slot.prepareDirs();
      const [file, ...args] = expand(this.def.check, join(staged.dir, this.def.configFile));
      const result = await this.runner.run(file!, args, { signal });
      if (result.exitCode !== 0)
        await refuse('ConfigRejected', `${this.def.name} refused the new config`, this.problems(result));
    }
    const running = this.slot.current;
    const ours = running && { pid: running.pid, ...(running.listens ? { listens: running.listens } : {}) };
    const problems = await this.probes.preflight(revision.preflight ?? [], ours, signal);
    const preflight = `revision ${revision.hash} failed its pre-flight checks`;
    if (problems.length > 0) await refuse('PreflightFailed', preflight, problems.join('; '));
    this.lastCheckError = undefined;
    await this.store.activate(revision.hash, this.revisions.healthy ? [this.revisions.healthy.hash] : []);
  }

  /** Points `current` back at the revision that last ran healthy. */
  private async activate(hash: string): Promise<void> {
    if (!(await this.store.has(hash)))
      throw new ControllerError('RollbackFailed', `revision ${hash} to roll back to is no longer on disk`);
    await this.store.activate(hash, [this.revisions.failed?.hash ?? hash]);
  }

  /** Runs one step that puts `config` live, then waits for readiness; records whether the revision ran healthy. */
  private async goLive(config: RunningConfig, signal: AbortSignal, step: () => Promise<void>): Promise<void> {
    this.slot.cancelRestart();
    try {
      await step();
      await this.waitReady(config, signal);
    } catch (err) {
      if (signal.aborted || !(err instanceof ControllerError) || this.revisions.healthy?.hash === config.hash)
        throw err;
      const failed = {
        hash: config.hash,
        ...(config.generation !== undefined ? { generation: config.generation } : {}),
      };
      await this.remember({ ...this.revisions, failed: { ...failed, error: err.message } });
      this.changes.next();
      throw err;
    }
    const { failed } = this.revisions;
    await this.remember({
      ...(failed && failed.hash !== config.hash ? { failed } : {}),
      healthy: runningConfig(config),
    });
  }

  private async startIfStopped(config: RunningConfig, signal: AbortSignal): Promise<void> {
    if (!this.slot.current) await this.spawn(config, signal);
  }

  private async reload(config: RunningConfig, signal: AbortSignal): Promise<void> {
    const how = this.def.reload;
    if (how === 'restart' || !this.slot.current) return this.restart(config, signal);
    if ('signal' in how) this.slot.signal(how.signal);
    else await this.runChecked(expand(how.command, this.configPath), 'ReloadFailed', signal);
    if (this.slot.current) await this.slot.record({ ...this.slot.current, ...config, reloadedAt: this.now() });
  }

  private async restart(config: RunningConfig, signal: AbortSignal): Promise<void> {
    await this.slot.terminate();
    await this.spawn(config, signal);
  }

  private async stopNow(): Promise<void> {
    this.slot.cancelRestart();
    await this.slot.terminate();
  }

  /** Removes every revision and the history about them (the daemon is no longer wanted). */
  private async uninstall(): Promise<void> {
    await this.store.clear();
    await this.remember({});
  }

  private async spawn(config: RunningConfig, signal: AbortSignal): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true, mode: 0o750 });
    await this.slot.prepareDirs();
    if (this.def.prepare) await this.runChecked(expand(this.def.prepare, this.configPath), 'StartFailed', signal);
    const owner = this.def.user && !this.def.user.switchesItself ? this.opts.owner : undefined;
    await this.slot.spawn(this.startArgv(config), config, owner);
  }

  /** Probes from initialDelayMs on, every periodMs, until timeoutMs has passed since the step began. */
  private async waitReady(config: RunningConfig, signal: AbortSignal): Promise<void> {
    const { initialDelayMs, periodMs, timeoutMs } = this.def.readiness;
    const deadline = this.now() + timeoutMs;
    await sleep(initialDelayMs, undefined, { signal });
    for (;;) {
      const running = this.slot.current;
      if (!running) throw new ControllerError('StartFailed', `${this.def.name} exited: ${await this.tail()}`);
      const health = await this.health(config, signal);
      if (health.ok) return;
      if (this.now() >= deadline)
        throw new ControllerError('NotReady', `not ready within ${timeoutMs / 1000} s: ${health.message}`);
      await sleep(Math.min(periodMs, Math.max(0, deadline - this.now())), undefined, { signal });
    }
  }

  private health(config: RunningConfig, signal: AbortSignal): Promise<HealthResult> {
    if (!config.ready) return Promise.resolve({ ok: true, message: 'running (no readiness probe)' });
    return this.probes.ready(config.ready, signal);
  }

  /** Starts the daemon again after a crash on the current revision; the reconcile that installed another moves it. */
  private async restartAfterCrash(crashed: RunningConfig): Promise<void> {
    if (this.slot.disposed || this.slot.current) return;
    const hash = (await this.store.current()) ?? crashed.hash;
    const config = hash === crashed.hash ? crashed : { ...runningConfig(crashed), hash, generation: undefined };
    await this.spawn(config, AbortSignal.timeout(30_000));
  }

  private async runChecked(argv: string[], reason: string, signal: AbortSignal): Promise<void> {
    const [file, ...args] = argv;
    const result = await this.runner.run(file!, args, { signal });
    if (result.exitCode !== 0) throw new ControllerError(reason, `${argv.join(' ')}: ${this.problems(result)}`);
  }

  private async remember(history: RevisionHistory): Promise<void> {
    this.revisions = history;
    await mkdir(this.opts.stateDir, { recursive: true, mode: 0o750 });
    await this.history.write(history);
  }

  private startArgv(config?: RunningConfig): string[] {
    return [...expand(this.def.start, this.configPath), ...(config?.args ?? [])];
  }

  /** The daemon's own error lines from a command's output, or its exit code when it printed none. */
  private problems(result: { exitCode: number; stdout: string; stderr: string }): string {
    const output = `${result.stdout}\n${result.stderr}`;
    const errors = this.def.problems ? this.def.problems(output) : lastLines(output);
    return errors.join('; ') || `exited with ${result.exitCode}`;
  }

  /** Why the daemon exited, from its output: its own error lines when it printed any, else the last lines. */
  private async tail(): Promise<string> {
    const text = await readFile(join(this.opts.stateDir, `${this.def.name}.out`), 'utf8').catch(() => '');
    const recent = text.trim().split('\n').slice(-40).join('\n');
    const errors = this.def.problems?.(recent) ?? [];
    return (errors.length > 0 ? errors.slice(-3) : lastLines(recent)).join(' | ') || 'no output';
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function lastLines(text: string): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-3);
}
