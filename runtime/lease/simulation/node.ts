import type { LeaseCommand, LeaseInput } from '../core.js';
import type { FencingToken } from '../fencing.js';
import type { LeaseRecord } from '../record.js';
import type { LeaseTiming } from '../timing.js';
import { LocalClock } from './clock.js';
import type { CoreFactory, NodeEvent, SimCore, SimEvent } from './types.js';

/** What a node's driver needs of the simulated world. */
export interface NodeWorld {
  schedule(at: number, event: SimEvent): void;
  /** Sends a request to SSM; the world decides its fate. */
  send(node: SimNode, id: number, record: LeaseRecord | undefined, t: number): void;
  /** Every input and the commands it produced, for the checkers and the trace. */
  observe(node: SimNode, input: LeaseInput, commands: LeaseCommand[], t: number): void;
  exited(node: SimNode, t: number): void;
}

export interface NodeSetup {
  index: number;
  rate: number;
  timing: LeaseTiming;
  coreFactory: CoreFactory;
  wallClock: () => string;
}

/**
 * One process: a lease core plus the driver the elector would be (runtime/lease/elector.ts), with simulated
 * timers and requests. It gives up on a request at its timeout (local time) and then drops the late response.
 */
export class SimNode {
  readonly holder: string;
  incarnation = 0;
  core?: SimCore;
  clock: LocalClock;
  paused = false;
  pauseNo = 0;
  private exiting = false;
  private wakeGen = 0;
  /** Requests the driver still waits for, by id. */
  private readonly outstanding = new Set<number>();
  private queued: NodeEvent[] = [];

  constructor(
    private readonly setup: NodeSetup,
    private readonly world: NodeWorld,
  ) {
    this.holder = `node-${setup.index}`;
    this.clock = new LocalClock(0, setup.rate);
  }

  get index(): number {
    return this.setup.index;
  }

  get up(): boolean {
    return this.core !== undefined;
  }

  local(t: number): number {
    return this.clock.local(t);
  }

  isLeader(t: number): boolean {
    return this.core?.isLeader(this.local(t)) ?? false;
  }

  token(t: number): FencingToken | undefined {
    return this.core?.token(this.local(t));
  }

  /** Starts a fresh process: new incarnation, new core, a monotonic clock reading `localAtStart` now. */
  boot(t: number, localAtStart: number): void {
    this.incarnation += 1;
    this.clock = LocalClock.startingAt(t, localAtStart, this.setup.rate);
    this.core = this.setup.coreFactory({
      scope: 'cluster',
      holder: this.holder,
      timing: this.setup.timing,
      wallClock: this.setup.wallClock,
      // Deterministic, unlike the default random one, so a seed replays byte for byte; unique per process.
      incarnation: `i${this.incarnation}`,
    });
    this.paused = false;
    this.exiting = false;
    this.feed({ type: 'timer' }, t);
  }

  crash(): void {
    this.core = undefined;
    this.paused = false;
    this.outstanding.clear();
    this.queued = [];
  }

  pause(): void {
    this.paused = true;
    this.pauseNo += 1;
  }

  /**
   * Timers and responses that came in while frozen all run now. `order` picks their order: an event loop waking up
   * runs due timers and ready sockets in its own phase order, not necessarily in arrival order.
   */
  resume(t: number, order: (events: NodeEvent[]) => NodeEvent[] = (events) => events): void {
    this.paused = false;
    const queued = order(this.queued);
    this.queued = [];
    for (const event of queued) if (event.incarnation === this.incarnation) this.handle(event, t);
  }

  /** SIGTERM: the core releases; the process exits when it stops, or at the bound the elector uses. */
  release(t: number): void {
    this.exiting = true;
    this.world.schedule(this.clock.realAt(this.local(t) + 2 * this.setup.timing.retryPeriodMs), {
      kind: 'exit',
      node: this.index,
      incarnation: this.incarnation,
    });
    this.feed({ type: 'release' }, t);
  }

  /** Whether this incarnation still waits for the response to request `id`. */
  awaits(incarnation: number, id: number): boolean {
    return this.up && incarnation === this.incarnation && this.outstanding.has(id);
  }

  deliver(event: NodeEvent, t: number): void {
    if (!this.core || event.incarnation !== this.incarnation) return;
    if (this.paused) this.queued.push(event);
    else this.handle(event, t);
  }

  private handle(event: NodeEvent, t: number): void {
    if (!this.core) return;
    if (event.kind === 'wake') {
      if (event.gen === this.wakeGen) this.feed({ type: 'timer' }, t);
    } else if (event.kind === 'exit') this.exit(t);
    else if (this.outstanding.delete(event.id)) {
      // Like the elector: a timeout proves nothing, so the request may have been applied.
      const timedOut: LeaseInput = { type: 'failed', id: event.id, error: 'timeout', maybeApplied: true };
      this.feed(event.kind === 'response' ? event.input : timedOut, t);
    }
  }

  private feed(input: LeaseInput, t: number): void {
    const core = this.core;
    if (!core) return;
    const commands = core.handle(input, this.local(t));
    this.world.observe(this, input, commands, t);
    for (const command of commands) this.run(command, t);
  }

  private run(command: LeaseCommand, t: number): void {
    if (!this.core) return;
    switch (command.type) {
      case 'read':
      case 'write':
        return this.request(command.id, command.type === 'write' ? command.record : undefined, command.timeoutMs, t);
      case 'wakeAt':
        this.wakeGen += 1;
        return this.world.schedule(Math.max(t, this.clock.realAt(command.at)), {
          kind: 'wake',
          node: this.index,
          incarnation: this.incarnation,
          gen: this.wakeGen,
        });
      case 'stopped':
        if (this.exiting) this.exit(t);
        return;
      default:
        return;
    }
  }

  private request(id: number, record: LeaseRecord | undefined, timeoutMs: number, t: number): void {
    if (this.outstanding.size > 0) throw new Error(`${this.holder} sent request ${id} while another is in flight`);
    this.outstanding.add(id);
    const deadline = this.clock.realAt(this.local(t) + timeoutMs);
    this.world.schedule(deadline, { kind: 'timeout', node: this.index, incarnation: this.incarnation, id });
    this.world.send(this, id, record, t);
  }

  private exit(t: number): void {
    this.crash();
    this.world.exited(this, t);
  }
}
