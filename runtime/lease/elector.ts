import { BehaviorSubject, type Observable } from 'rxjs';
import { ControllerError } from '../controller.js';
import type { EventRecorder } from '../event-recorder.js';
import type { Logger } from '../logger.js';
import { LeaseCore, type LeaseCommand, type LeaseInput } from './core.js';
import type { FencingToken, LeaseGuard } from './fencing.js';
import { encodeLeaseRecord, isEffective, type LeaseObservation } from './record.js';
import type { LeaseTiming } from './timing.js';

/** The two SSM calls a lease needs. Implemented over SSM in adapters/ssm-lease-store.ts. */
export interface LeaseStore {
  /** The latest version (0 when the parameter does not exist) and its record, if it is one. */
  read(name: string, signal: AbortSignal): Promise<LeaseObservation>;
  /** Writes with Overwrite and returns the version SSM gave the write. Never labels (labels pin history). */
  write(name: string, value: string, signal: AbortSignal): Promise<number>;
}

/** A store error that proves the write was not applied (SSM answered with an error), as opposed to a timeout. */
export class LeaseStoreRejected extends Error {
  override name = 'LeaseStoreRejected';
}

/** What status and the operator see of one scope. */
export interface LeaseView {
  scope: string;
  token?: FencingToken;
  /** Who holds the scope as far as this node last read: '' when released or unknown. */
  holder: string;
  epoch?: number;
}

export interface LeaseElectorOptions {
  scope: string;
  holder: string;
  parameterName: string;
  timing: LeaseTiming;
  store: LeaseStore;
  events: EventRecorder;
  logger: Logger;
  /** Monotonic milliseconds: expiry must not follow wall-clock steps. */
  now?: () => number;
  wallClock?: () => string;
}

/**
 * Drives a LeaseCore with real timers and SSM calls: runs its commands, feeds their outcomes back, and publishes
 * leadership. assertHeld asks the core against the clock at the moment of the call, not a cached flag.
 */
export class LeaseElector {
  private readonly core: LeaseCore;
  private readonly now: () => number;
  private readonly subject: BehaviorSubject<LeaseView>;
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private stopped?: () => void;
  readonly view$: Observable<LeaseView>;

  constructor(private readonly opts: LeaseElectorOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.core = new LeaseCore({
      scope: opts.scope,
      holder: opts.holder,
      timing: opts.timing,
      wallClock: opts.wallClock ?? (() => new Date().toISOString()),
    });
    this.subject = new BehaviorSubject(this.view());
    this.view$ = this.subject.asObservable();
  }

  start(): void {
    this.feed({ type: 'timer' });
  }

  /** Releases the lease (when held) so another node takes over at once; resolves when done or after a bound. */
  async stop(boundMs = 2 * this.opts.timing.retryPeriodMs): Promise<void> {
    if (this.core.stopped) return;
    const done = new Promise<void>((resolve) => (this.stopped = resolve));
    this.feed({ type: 'release' });
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    await Promise.race([done, bound]);
    clearTimeout(this.timer);
    this.abort.abort(new Error('lease elector stopped'));
  }

  guard(): LeaseGuard {
    return {
      scope: this.opts.scope,
      assertHeld: () => {
        const token = this.core.token(this.now());
        if (!token)
          throw new ControllerError('LeaseLost', `this instance does not hold the ${this.opts.scope} lease`, false);
        return token;
      },
    };
  }

  view(): LeaseView {
    const seen = this.core.observed();
    const token = this.core.token(this.now());
    const record = seen && isEffective(seen) ? seen.record : undefined;
    // While holding, our own term is the truth: the latest version may be a losing claim we are about to build on.
    if (token) return { scope: this.opts.scope, token, holder: token.holder, epoch: token.epoch };
    return {
      scope: this.opts.scope,
      holder: record && !record.released ? record.holder : '',
      ...(record ? { epoch: record.epoch } : {}),
    };
  }

  private feed(input: LeaseInput): void {
    for (const command of this.core.handle(input, this.now())) this.run(command);
    this.publish();
  }

  private run(command: LeaseCommand): void {
    switch (command.type) {
      case 'wakeAt':
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.feed({ type: 'timer' }), Math.max(0, command.at - this.now()));
        return;
      case 'read':
        return void this.request(command.id, command.timeoutMs, async (signal) => ({
          type: 'readDone',
          id: command.id,
          observation: await this.opts.store.read(this.opts.parameterName, signal),
        }));
      case 'write':
        return void this.request(command.id, command.timeoutMs, async (signal) => ({
          type: 'writeDone',
          id: command.id,
          version: await this.opts.store.write(this.opts.parameterName, encodeLeaseRecord(command.record), signal),
        }));
      default:
        return this.notify(command);
    }
  }

  private async request(id: number, timeoutMs: number, call: (s: AbortSignal) => Promise<LeaseInput>): Promise<void> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)))]);
    let input: LeaseInput;
    try {
      input = await call(signal);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      input = { type: 'failed', id, error, maybeApplied: !(err instanceof LeaseStoreRejected) };
    }
    if (!this.abort.signal.aborted) this.feed(input);
  }

  private notify(command: Exclude<LeaseCommand, { type: 'wakeAt' | 'read' | 'write' }>): void {
    const object = { kind: 'Lease', name: this.opts.scope };
    const log = this.opts.logger;
    switch (command.type) {
      case 'elected':
        log.info({ lease: command.token }, `leader of ${this.opts.scope}`);
        return void this.opts.events.record({
          type: 'Normal',
          reason: 'LeaderElected',
          message: `${this.opts.holder} holds ${this.opts.scope} (epoch ${command.token.epoch})`,
          object,
        });
      case 'lost':
        log.warn({ scope: this.opts.scope, reason: command.reason }, `lost ${this.opts.scope}: ${command.message}`);
        return void this.opts.events.record({
          type: command.reason === 'Released' ? 'Normal' : 'Warning',
          reason: 'LeaderLost',
          message: `${command.reason}: ${command.message}`,
          object,
        });
      case 'renewFailed':
        return void this.opts.events.record({
          type: 'Warning',
          reason: 'LeaseRenewFailed',
          message: command.message,
          object,
        });
      case 'stopped':
        return this.stopped?.();
    }
  }

  private publish(): void {
    const next = this.view();
    const prev = this.subject.value;
    const same = prev.token?.epoch === next.token?.epoch && prev.holder === next.holder && prev.epoch === next.epoch;
    if (!same) this.subject.next(next);
  }
}
