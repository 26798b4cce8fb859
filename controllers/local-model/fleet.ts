import { readdir, rm } from 'node:fs/promises';
import { Subject, type Subscription } from 'rxjs';
import { ControllerError } from '../../runtime/controller.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import { RevisionStore, type FileOwner } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { WeightsPort } from '../../runtime/local-inference.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { vllmDaemon } from './daemon.js';
import { localModelPaths, localModelsDir } from './paths.js';
import type { LocalModelAction, WeightsSync, WorkState } from './types.js';

export interface FleetOptions {
  daemonDir: string;
  command: readonly string[];
  processes: ProcessPort;
  runner: CommandRunner;
  weights: WeightsPort;
  user?: { name: string; owner: FileOwner };
  onShutdown: 'stop' | 'keep';
  crashPolicy?: CrashPolicy;
  now?: () => number;
}

/** A failed step waits this long before it is planned again, doubled per failure in a row, up to the cap. */
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 5 * 60_000;

interface Member {
  supervisor: DaemonSupervisor;
  subscription: Subscription;
  work: Omit<WorkState, 'retryPending'> & { failures: number; retryAt?: number };
  running?: AbortController;
  /** The action in flight, and the one that replaces it once it has given way. */
  current?: LocalModelAction;
  next?: LocalModelAction;
  done?: Promise<void>;
}

/** What an action puts live: the revision it runs, or none (a removal). */
export function actionTarget(action: LocalModelAction): string | undefined {
  if (action.type === 'remove') return undefined;
  for (const step of action.steps) {
    if (step.type === 'install') return step.revision.hash;
    if ('config' in step) return step.config.hash;
  }
  return undefined;
}

/**
 * The vLLM servers, one daemon-kit supervisor per LocalModel, with each model's steps run in the background: a
 * sync of many gigabytes or a load of many minutes must not hold the reconcile pass (nor the other models). The kit
 * still supervises each process; the fleet only sequences a model's steps and remembers how the last one ended.
 */
export class ModelFleet {
  private readonly members = new Map<string, Member>();
  private readonly changes = new Subject<void>();
  readonly changes$ = this.changes.asObservable();
  private readonly now: () => number;

  constructor(private readonly opts: FleetOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Adopts the servers a previous operator left (every model directory on disk), before the first plan. */
  async adopt(): Promise<void> {
    const names = await readdir(localModelsDir(this.opts.daemonDir)).catch(() => [] as string[]);
    for (const name of names) await this.member(name).supervisor.adopt();
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  supervisor(name: string): DaemonSupervisor {
    return this.member(name).supervisor;
  }

  work(name: string): WorkState {
    const { work, current } = this.member(name);
    const { failures: _failures, retryAt, ...rest } = work;
    const busyWith = current ? actionTarget(current) : undefined;
    return {
      ...rest,
      ...(busyWith ? { target: busyWith } : {}),
      retryPending: retryAt !== undefined && retryAt > this.now(),
    };
  }

  /**
   * Starts the action in the background; its end (or failure) is reported on changes$. A step in flight gives way
   * to a removal or to another revision (a load of many minutes must not hold back a fix or a delete); otherwise the
   * action waits for the next plan.
   */
  start(action: LocalModelAction): void {
    const m = this.member(action.model);
    if (!m.running) return this.launch(m, action);
    if (m.current && actionTarget(m.current) !== actionTarget(action) && m.current.type !== 'remove') {
      m.next = action;
      m.running.abort();
    }
  }

  private launch(m: Member, action: LocalModelAction): void {
    const abort = new AbortController();
    m.running = abort;
    m.current = action;
    m.done = this.execute(m, action, abort.signal).finally(() => {
      const next = m.next;
      m.running = m.current = m.next = undefined;
      if (next) this.launch(m, next);
      else if (action.type === 'remove') this.forget(action.model);
      this.changes.next();
    });
  }

  /** Aborts steps in flight, then lets each supervisor stop or keep its server. */
  async shutdown(): Promise<void> {
    for (const m of this.members.values()) m.running?.abort();
    await Promise.all([...this.members.values()].flatMap((m) => (m.done ? [m.done] : [])));
    await Promise.all([...this.members.values()].map((m) => m.supervisor.shutdown()));
    this.changes.complete();
  }

  private async execute(m: Member, action: LocalModelAction, signal: AbortSignal): Promise<void> {
    try {
      if (action.type === 'remove') {
        await m.supervisor.apply({ type: 'stop' }, signal);
        await m.supervisor.apply({ type: 'uninstall' }, signal);
        // Its revisions and run state go; synced weights stay (slow to fetch again, and not ours to judge).
        const paths = localModelPaths(this.opts.daemonDir, action.model);
        for (const dir of [paths.configRoot, paths.runDir]) await rm(dir, { recursive: true, force: true });
        // Gone for good: what an earlier step of it failed with no longer holds it in the fleet.
        m.work = { failures: 0 };
        return;
      }
      if (action.sync) await this.sync(m, action.sync, signal);
      this.enter(m, 'Loading');
      for (const step of action.steps) await m.supervisor.apply(step, signal);
      m.work = { ...m.work, failures: 0, retryAt: undefined, lastError: undefined };
    } catch (err) {
      // Given way to another action: nothing failed.
      if (signal.aborted) return;
      const reason =
        err instanceof ControllerError
          ? err.reason
          : m.work.phase === 'Downloading'
            ? 'WeightsSyncFailed'
            : 'StartFailed';
      const failures = m.work.failures + 1;
      const wait = Math.min(RETRY_BASE_MS * 2 ** (failures - 1), RETRY_CAP_MS);
      const at = new Date(this.now()).toISOString();
      m.work = {
        ...m.work,
        failures,
        retryAt: this.now() + wait,
        lastError: { reason, message: (err as Error).message, at },
      };
    } finally {
      delete m.work.phase;
      delete m.work.since;
    }
  }

  /** Syncs the weights; when S3 fails but an earlier sync completed, the model starts from disk, with a warning. */
  private async sync(m: Member, source: WeightsSync, signal: AbortSignal): Promise<void> {
    this.enter(m, 'Downloading');
    try {
      const got = await this.opts.weights.sync(source, source.dir, signal);
      m.work.weights = { ...got, at: new Date(this.now()).toISOString() };
      delete m.work.syncWarning;
    } catch (err) {
      if (signal.aborted || !(await this.opts.weights.present(source, source.dir))) throw err;
      m.work.syncWarning = `${source.uri}: ${(err as Error).message}; started from the weights an earlier sync left`;
    }
  }

  private enter(m: Member, phase: 'Downloading' | 'Loading'): void {
    m.work.phase = phase;
    m.work.since = new Date(this.now()).toISOString();
    this.changes.next();
  }

  private member(name: string): Member {
    const found = this.members.get(name);
    if (found) return found;
    const paths = localModelPaths(this.opts.daemonDir, name);
    const owner = this.opts.user?.owner;
    const definition = vllmDaemon(this.opts.command, this.opts.user?.name, this.opts.onShutdown);
    const supervisor = new DaemonSupervisor(
      definition,
      new RevisionStore(paths.configRoot, owner),
      this.opts.processes,
      this.opts.runner,
      {
        stateDir: paths.runDir,
        ...(owner ? { owner } : {}),
        ...(this.opts.crashPolicy ? { crashPolicy: this.opts.crashPolicy } : {}),
      },
    );
    const subscription = supervisor.changes$.subscribe(() => this.changes.next());
    const member: Member = { supervisor, subscription, work: { failures: 0 } };
    this.members.set(name, member);
    return member;
  }

  private forget(name: string): void {
    const m = this.members.get(name);
    if (!m || m.work.lastError) return;
    m.subscription.unsubscribe();
    this.members.delete(name);
    void m.supervisor.shutdown();
  }
}
