import { chown, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CrashHistory, type CrashPolicy } from './crash-history.js';
import type { DaemonDefinition } from './definition.js';
import { runsArgv, sameProcess } from './identity.js';
import type { FileOwner } from './revisions.js';
import { JsonFile, type RunningRecord } from './state-file.js';
import { runningConfig } from './plan.js';
import type { ProcessExit, ProcessPort, RunningConfig, SpawnedProcess } from './types.js';

export interface SlotOptions {
  stateFile: string;
  outputFile: string;
  owner?: FileOwner;
  crashPolicy: CrashPolicy;
  stopTimeoutMs: number;
  pollMs: number;
  now: () => number;
  /** Starts the process again after a crash (serialized by the supervisor); rejects when it cannot. */
  restart: (crashed: RunningConfig) => Promise<void>;
  /** Something changed outside a reconcile pass (an exit, a restart). */
  changed: () => void;
}

/**
 * The one process of a daemon: spawns it, knows it by pid + start time + command line, watches it (as its parent,
 * or by polling /proc when adopted), restarts it after a crash with back-off, and stops it only once it is gone.
 */
export class ProcessSlot {
  readonly crashes: CrashHistory;
  current?: RunningRecord;
  lastExit?: string;
  restartAt?: number;
  private child?: SpawnedProcess;
  private readonly state: JsonFile<RunningRecord>;
  private restartTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private stopping = false;
  disposed = false;

  constructor(
    private readonly def: DaemonDefinition,
    private readonly processes: ProcessPort,
    private readonly opts: SlotOptions,
  ) {
    this.crashes = new CrashHistory(opts.crashPolicy);
    this.state = new JsonFile(opts.stateFile);
  }

  /** Takes over the process a previous operator recorded, if that very process still runs. */
  async adopt(argv: readonly string[]): Promise<void> {
    const saved = await this.state.read();
    if (!saved) return;
    const seen = await this.processes.identify(saved.pid);
    // An older operator recorded no start time: its argv must be exactly ours; the start time is recorded from now.
    const ours = saved.startTime
      ? sameProcess({ pid: saved.pid, startTime: saved.startTime, argv: saved.argv ?? [...argv] }, seen)
      : seen !== undefined && runsArgv(argv, seen.argv);
    // A stale record is left alone (csgw diff probes too, and writes nothing): the next start replaces it.
    if (!ours || !seen) return;
    this.current = { ...saved, startTime: seen.startTime, argv: saved.argv ?? [...argv] };
    this.watchAdopted();
  }

  async spawn(argv: string[], config: RunningConfig, uid?: { uid: number; gid: number }): Promise<void> {
    const env = this.def.environment;
    const child = await this.processes.spawn(argv, {
      outputFile: this.opts.outputFile,
      ...(env ? { env } : {}),
      ...uid,
    });
    this.child = child;
    const seen = await this.processes.identify(child.pid);
    await this.record({
      ...config,
      pid: child.pid,
      startedAt: this.opts.now(),
      startTime: seen?.startTime ?? '',
      argv,
    });
    void child.exited.then((exit) => this.onExit(child.pid, exit));
  }

  async prepareDirs(): Promise<void> {
    for (const dir of this.def.writableDirs) {
      // Parents traversable by the daemon's user, the directory itself its own.
      await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
      await mkdir(dir, { recursive: true, mode: 0o750 });
      if (this.opts.owner) await chown(dir, this.opts.owner.uid, this.opts.owner.gid);
    }
  }

  async record(record: RunningRecord): Promise<void> {
    this.current = record;
    await this.state.write(record);
  }

  /** SIGTERM, SIGKILL after the stop timeout; returns once the process has exited and been reaped. */
  async terminate(): Promise<void> {
    const running = this.current;
    if (!running) return;
    this.stopping = true;
    try {
      this.processes.kill(running.pid, 'SIGTERM');
      const child = this.child?.pid === running.pid ? this.child : undefined;
      if (!(await this.gone(running, child, this.opts.stopTimeoutMs))) {
        this.processes.kill(running.pid, 'SIGKILL');
        await this.gone(running, child, Infinity);
      }
      this.current = undefined;
      await this.state.clear();
    } finally {
      this.stopping = false;
    }
  }

  /** Sends the running process a signal (a reload or log reopen by signal). */
  signal(signal: NodeJS.Signals): void {
    if (this.current) this.processes.kill(this.current.pid, signal);
  }

  cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartAt = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelRestart();
    clearInterval(this.pollTimer);
  }

  /**
   * Whether the process is gone within timeoutMs: our child once node has reaped it (its exit promise), an adopted
   * one once /proc no longer shows that process (its own parent reaps it).
   */
  private async gone(running: RunningRecord, child: SpawnedProcess | undefined, timeoutMs: number): Promise<boolean> {
    const deadline = this.opts.now() + timeoutMs;
    if (child) {
      const timer = Number.isFinite(timeoutMs) ? sleep(timeoutMs, false, { ref: false }) : new Promise<never>(() => {});
      return Promise.race([child.exited.then(() => true), timer]);
    }
    while (this.opts.now() <= deadline) {
      if (!(await this.alive(running))) return true;
      await sleep(50);
    }
    return false;
  }

  private async alive(r: RunningRecord): Promise<boolean> {
    const seen = await this.processes.identify(r.pid);
    return sameProcess({ pid: r.pid, startTime: r.startTime ?? '', argv: r.argv ?? [] }, seen);
  }

  private onExit(pid: number, exit: ProcessExit): void {
    const crashed = this.current;
    if (crashed?.pid !== pid || this.stopping) return;
    this.current = undefined;
    void this.state.clear();
    if (this.disposed) return;
    this.scheduleRestart(crashed, exit);
    this.opts.changed();
  }

  scheduleRestart(crashed: RunningConfig, exit: ProcessExit): void {
    this.lastExit = exit.signal
      ? `killed by ${exit.signal}`
      : exit.code === null
        ? 'gone'
        : `exited with code ${exit.code}`;
    const delay = this.crashes.record(this.opts.now());
    this.restartAt = this.opts.now() + delay;
    const config = runningConfig(crashed);
    this.restartTimer = setTimeout(() => void this.restartAfterCrash(config), delay);
  }

  private async restartAfterCrash(crashed: RunningConfig): Promise<void> {
    this.restartAt = undefined;
    await this.opts.restart(crashed).catch(() => this.scheduleRestart(crashed, { code: null, signal: null }));
    this.opts.changed();
  }

  private watchAdopted(): void {
    const adopted = this.current!;
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => {
      if (this.current?.pid !== adopted.pid) return clearInterval(this.pollTimer);
      void this.alive(adopted).then((alive) => {
        if (alive || this.current?.pid !== adopted.pid) return;
        clearInterval(this.pollTimer);
        this.onExit(adopted.pid, { code: null, signal: null });
      });
    }, this.opts.pollMs);
    this.pollTimer.unref();
  }
}
