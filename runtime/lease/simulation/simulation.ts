import type { LeaseCommand, LeaseInput } from '../core.js';
import type { LeaseRecord } from '../record.js';
import { SafetyChecker } from './checker.js';
import { EventQueue } from './event-queue.js';
import { checkLiveness, livenessDeadline, type LivenessReport } from './liveness.js';
import { CALM_NETWORK, messageDelay, type NetworkProfile } from './network.js';
import { SimNode, type NodeWorld } from './node.js';
import { Rng } from './prng.js';
import { resolveScenario, type Scenario, type SimOptions, type SimResult } from './scenario.js';
import { SimParameterStore } from './store.js';
import { describeCommand, describeEvent, describeInput, Trace } from './trace.js';
import { emptyStats, type NodeEvent, type SimEvent } from './types.js';

const HOUR = 3_600_000;

/**
 * Runs one seeded simulation: 2..5 nodes contend for one lease through a simulated SSM parameter, under message
 * delay, loss, long tails, request errors, crashes, pauses and graceful releases, then in calm. Everything random
 * comes from the seed, so a seed replays exactly.
 */
export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

type Request = Extract<SimEvent, { kind: 'request' }>;

class Simulation implements NodeWorld {
  private readonly rng: Rng;
  private readonly s: Scenario;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly store = new SimParameterStore();
  private readonly stats = emptyStats();
  private readonly nodes: SimNode[];
  private readonly checker: SafetyChecker;
  private readonly trace: Trace;
  private net: NetworkProfile;
  private calm = false;
  /** When faults stopped, every message sent under faults had arrived, and every node was up again. */
  private settledAt: number;
  private t = 0;

  constructor(private readonly options: SimOptions) {
    this.rng = new Rng(options.seed);
    this.s = resolveScenario(options, this.rng);
    this.net = this.s.network;
    this.settledAt = this.s.faultPhaseMs;
    this.trace = new Trace(this.s.traceSize);
    const wallClock = (): string => new Date(Date.UTC(2026, 0, 1) + Math.floor(this.t)).toISOString();
    const { timing, coreFactory } = this.s;
    this.nodes = this.s.rates.map((rate, index) => new SimNode({ index, rate, timing, coreFactory, wallClock }, this));
    this.checker = new SafetyChecker(this.nodes, this.store);
  }

  run(): SimResult {
    for (const node of this.nodes) {
      const bootAt = this.rng.between(0, this.s.timing.retryPeriodMs);
      this.schedule(bootAt, { kind: 'boot', node: node.index, incarnation: 0 });
      this.schedule(this.rng.exponential(this.s.faults.meanGapMs), { kind: 'fault', node: node.index });
    }
    this.schedule(this.s.faultPhaseMs, { kind: 'quiet' });
    const violations = this.checker.violations;
    for (let next = this.queue.pop(); next && next.at <= this.s.endAt; next = this.queue.pop()) {
      this.step(next.at, next.item);
      if (++this.stats.events > this.s.maxEvents) violations.push(`livelock: more than ${this.s.maxEvents} events`);
      if (violations.length > 0) break;
    }
    this.checker.finish(violations.length > 0 ? this.t : this.s.endAt);
    Object.assign(this.stats, this.checker.counts);
    const liveness = violations.length > 0 ? undefined : this.liveness();
    return {
      seed: this.options.seed,
      nodes: this.nodes.length,
      violations,
      ...(liveness ? { liveness } : {}),
      stats: this.stats,
      trace: this.trace.format(),
    };
  }

  private liveness(): LivenessReport | undefined {
    const deadline = livenessDeadline(this.settledAt, this.s.timing, this.s.rho, CALM_NETWORK.maxDelayMs);
    if (deadline >= this.s.endAt) return undefined;
    return checkLiveness(this.checker.intervals, this.settledAt, deadline);
  }

  private step(t: number, event: SimEvent): void {
    this.t = t;
    this.checker.beforeEvent(t);
    try {
      this.dispatch(event, t);
    } catch (err) {
      // The driver's own invariants (one request in flight) surface as violations, with the trace.
      this.checker.violations.push(`t=${t.toFixed(3)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.checker.afterEvent(t);
  }

  private dispatch(event: SimEvent, t: number): void {
    switch (event.kind) {
      case 'request':
        return this.onRequest(event, t);
      case 'fault':
        return this.onFault(this.nodes[event.node]!, t);
      case 'boot':
        return this.onBoot(this.nodes[event.node]!, event.incarnation, t);
      case 'resume':
        return this.onResume(this.nodes[event.node]!, event.pauseNo, t);
      case 'quiet':
        return this.onQuiet(t);
      default:
        return this.nodes[event.node]!.deliver(event, t);
    }
  }

  schedule(at: number, event: SimEvent): void {
    this.queue.push(at, event);
  }

  send(node: SimNode, id: number, record: LeaseRecord | undefined, t: number): void {
    if (record) this.stats.writes += 1;
    else this.stats.reads += 1;
    // A claim already out of date when sent can only lose, and costs everyone another lease duration.
    if (record && record.epoch === record.basedOn + 1 && record.basedOn < this.store.latest)
      this.stats.staleClaims += 1;
    const base = { kind: 'request', node: node.index, incarnation: node.incarnation, id } as const;
    this.transmit(t, record ? { ...base, record } : base);
  }

  observe(node: SimNode, input: LeaseInput, commands: LeaseCommand[], t: number): void {
    const local = node.local(t);
    const toReal = (at: number): number => node.clock.realAt(at);
    this.trace.push(t, () => {
      const out = commands.map((c) => describeCommand(c, toReal)).join('; ');
      return `${node.holder}#${node.incarnation} local=${local.toFixed(3)} ${describeInput(input)} -> ${out}`;
    });
    this.checker.onCommands(node, commands, t);
    for (const c of commands) this.count(c);
  }

  exited(node: SimNode, t: number): void {
    this.trace.push(t, () => `${node.holder}#${node.incarnation} exits`);
    const downMs = this.calm ? 0 : this.rng.between(0, this.s.faults.maxDownMs);
    this.schedule(t + downMs, { kind: 'boot', node: node.index, incarnation: node.incarnation });
  }

  private count(c: LeaseCommand): void {
    if (c.type === 'renewFailed') this.stats.renewFailures += 1;
    if (c.type !== 'lost') return;
    if (c.reason === 'Superseded') this.stats.superseded += 1;
    if (c.reason === 'RenewDeadlineExceeded') this.stats.deadlineExceeded += 1;
  }

  /** Sends a message with the current network's fate; under faults, settling waits for it to arrive. */
  private transmit(t: number, event: SimEvent): void {
    const delay = messageDelay(this.rng, this.net);
    if (delay === undefined) {
      this.stats.lostMessages += 1;
      return;
    }
    if (!this.calm) this.settledAt = Math.max(this.settledAt, t + delay);
    this.schedule(t + delay, event);
  }

  private onRequest(req: Request, t: number): void {
    const reply = (input: LeaseInput): void =>
      this.transmit(t, { kind: 'response', node: req.node, incarnation: req.incarnation, id: req.id, input });
    if (this.rng.chance(this.net.errorRate)) {
      this.trace.push(t, () => `${describeEvent(req)} rejected`);
      return reply({ type: 'failed', id: req.id, error: 'ThrottlingException', maybeApplied: false });
    }
    if (!req.record) return reply({ type: 'readDone', id: req.id, observation: this.store.get() });
    const record = req.record;
    const version = this.store.put(record, { node: req.node, incarnation: req.incarnation }, t);
    const late = !this.nodes[req.node]!.awaits(req.incarnation, req.id);
    if (late) this.stats.lateLandings += 1;
    if (record.epoch === record.basedOn + 1 && !record.released && version !== record.basedOn + 1)
      this.stats.claimsLost += 1;
    this.trace.push(t, () => `${describeEvent(req)} -> v${version}${late ? ' (sender gave up)' : ''}`);
    reply({ type: 'writeDone', id: req.id, version });
  }

  private onFault(node: SimNode, t: number): void {
    if (this.calm) return;
    const { meanGapMs, weights, maxDownMs, maxPauseMs } = this.s.faults;
    const kind = this.rng.weighted(weights);
    this.schedule(t + this.rng.exponential(meanGapMs), { kind: 'fault', node: node.index });
    if (!node.up || (node.paused && kind !== 'crash')) return;
    this.trace.push(t, () => `${node.holder}#${node.incarnation} ${kind}`);
    if (kind === 'crash') {
      this.stats.crashes += 1;
      node.crash();
      const bootAt = t + this.rng.between(0, maxDownMs);
      this.schedule(bootAt, { kind: 'boot', node: node.index, incarnation: node.incarnation });
    } else if (kind === 'pause') {
      this.stats.pauses += 1;
      node.pause();
      const resumeAt = t + this.rng.between(0, maxPauseMs);
      this.schedule(resumeAt, { kind: 'resume', node: node.index, pauseNo: node.pauseNo });
    } else {
      this.stats.releases += 1;
      node.release(t);
    }
  }

  private onBoot(node: SimNode, incarnation: number, t: number): void {
    if (node.up || node.incarnation !== incarnation) return;
    if (this.calm) this.settledAt = Math.max(this.settledAt, t);
    // A first boot finds a clock that has run for hours; a restarted process's monotonic clock starts near zero.
    const localAtStart = incarnation === 0 ? this.rng.between(0, 4 * HOUR) : this.rng.between(20, 200);
    this.trace.push(t, () => `${node.holder} boots as #${incarnation + 1} at local ${localAtStart.toFixed(3)}`);
    node.boot(t, localAtStart);
  }

  private onResume(node: SimNode, pauseNo: number, t: number): void {
    if (!node.paused || node.pauseNo !== pauseNo) return;
    this.trace.push(t, () => `${node.holder}#${node.incarnation} resumes`);
    node.resume(t, (events: NodeEvent[]) => this.rng.shuffle(events));
  }

  private onQuiet(t: number): void {
    this.trace.push(t, () => 'faults stop');
    this.calm = true;
    this.net = CALM_NETWORK;
    for (const node of this.nodes) {
      if (node.paused) this.onResume(node, node.pauseNo, t);
      if (!node.up) this.onBoot(node, node.incarnation, t);
    }
  }
}
