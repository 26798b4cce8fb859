import type { LeaseCommand } from '../core.js';
import type { FencingToken } from '../fencing.js';
import type { SimParameterStore } from './store.js';

/** What the checker reads of a node (a SimNode in a run, a fake in the checker's own tests). */
export interface CheckedNode {
  readonly index: number;
  readonly holder: string;
  readonly incarnation: number;
  /** The core's answer at the node's local time for real time t; false while the process is down. */
  isLeader(t: number): boolean;
  token(t: number): FencingToken | undefined;
}

/** A stretch of real time during which one incarnation of a node answered isLeader true. end is open: Infinity. */
export interface Interval {
  node: number;
  incarnation: number;
  epoch: number;
  start: number;
  end: number;
}

export interface TermCounts {
  terms: number;
  takeovers: number;
}

/**
 * Safety as the controllers see it: it asks each core `isLeader(local now)` after every event, the same question a
 * LeaseGuard asks before an AWS call, and finds the exact end of a term by bisecting real time between events
 * (isLeader is pure while a core's state is fixed). It checks that no two nodes are ever leader at the same instant,
 * that epochs of successive terms strictly increase and are never shared, and, against the store's ground truth,
 * that a leader's token names versions its own incarnation wrote and that counted (basedOn + 1).
 */
export class SafetyChecker {
  readonly violations: string[] = [];
  readonly intervals: Interval[] = [];
  readonly counts: TermCounts = { terms: 0, takeovers: 0 };
  private readonly open = new Map<number, Interval>();
  private readonly verified = new Map<number, number>();
  private readonly epochOwner = new Map<number, string>();
  private maxEpoch = 0;
  private lastTermNode?: number;
  private lastT = 0;

  constructor(
    private readonly nodes: readonly CheckedNode[],
    private readonly store: SimParameterStore,
  ) {}

  /** Before an event at t: closes every term that lapsed since the previous event, at the instant it lapsed. */
  beforeEvent(t: number): void {
    for (const [index, interval] of this.open) {
      const node = this.nodes[index]!;
      if (!node.isLeader(t)) this.close(interval, this.lapse(node, this.lastT, t));
    }
  }

  /** After an event at t: records who became leader or stopped being one because of it. */
  afterEvent(t: number): void {
    for (const node of this.nodes) {
      const interval = this.open.get(node.index);
      if (interval && !this.continues(node, interval, t)) this.close(interval, t);
    }
    for (const node of this.nodes) {
      if (!node.isLeader(t)) continue;
      if (!this.open.has(node.index)) this.start(node, t);
      this.verify(node, t);
    }
    this.lastT = t;
  }

  /** What the core says must agree with what it answers: elected means leader now, lost or stopped means not. */
  onCommands(node: CheckedNode, commands: LeaseCommand[], t: number): void {
    for (const c of commands) {
      const leader = node.isLeader(t);
      if (c.type === 'elected' && !leader) this.fail(t, `${node.holder} emitted elected but isLeader is false`);
      if ((c.type === 'lost' || c.type === 'stopped') && leader)
        this.fail(t, `${node.holder} emitted ${c.type} but isLeader is still true`);
    }
  }

  /** Closes lapsed terms at the end of the run and re-checks all recorded intervals pairwise. */
  finish(t: number): void {
    this.beforeEvent(t);
    const sorted = [...this.intervals].sort((a, b) => a.start - b.start);
    let latest: Interval | undefined;
    for (const i of sorted) {
      if (latest && latest.node !== i.node && i.start < latest.end)
        this.fail(
          i.start,
          `intervals overlap: node-${latest.node} until ${latest.end}, node-${i.node} from ${i.start}`,
        );
      if (!latest || i.end > latest.end) latest = i;
    }
  }

  private continues(node: CheckedNode, interval: Interval, t: number): boolean {
    const token = node.token(t);
    return node.incarnation === interval.incarnation && token?.epoch === interval.epoch;
  }

  private start(node: CheckedNode, t: number): void {
    const token = node.token(t);
    if (!token) return this.fail(t, `${node.holder} is leader without a token`);
    for (const [index] of this.open)
      if (this.nodes[index]!.isLeader(t)) this.fail(t, `${node.holder} became leader while node-${index} is leader`);
    const interval = { node: node.index, incarnation: node.incarnation, epoch: token.epoch, start: t, end: Infinity };
    this.open.set(node.index, interval);
    this.intervals.push(interval);
    this.fence(node, token, t);
  }

  private fence(node: CheckedNode, token: FencingToken, t: number): void {
    const owner = `${node.holder}#${node.incarnation}`;
    const known = this.epochOwner.get(token.epoch);
    if (known === owner) return; // the same term again, after a lapse its own late renew repaired
    if (known) return this.fail(t, `${owner} and ${known} share epoch ${token.epoch}`);
    if (token.epoch <= this.maxEpoch) this.fail(t, `${owner} epoch ${token.epoch} follows epoch ${this.maxEpoch}`);
    this.epochOwner.set(token.epoch, owner);
    this.maxEpoch = Math.max(this.maxEpoch, token.epoch);
    this.counts.terms += 1;
    if (this.lastTermNode !== undefined && this.lastTermNode !== node.index) this.counts.takeovers += 1;
    this.lastTermNode = node.index;
  }

  /** The token's epoch and version must be writes of this very incarnation that landed at basedOn + 1. */
  private verify(node: CheckedNode, t: number): void {
    const token = node.token(t);
    if (!token || this.verified.get(node.index) === token.version) return;
    this.verified.set(node.index, token.version);
    for (const version of new Set([token.epoch, token.version])) {
      const stored = this.store.at(version);
      const record = this.store.recordAt(version);
      const mine = stored?.writer.node === node.index && stored.writer.incarnation === node.incarnation;
      if (!mine || record?.basedOn !== version - 1 || record.epoch !== token.epoch)
        this.fail(
          t,
          `${node.holder}#${node.incarnation} holds e${token.epoch} v${token.version}, but v${version} is not its effective write`,
        );
    }
  }

  private close(interval: Interval, end: number): void {
    interval.end = end;
    this.open.delete(interval.node);
  }

  /** The first instant in (from, to] at which the node no longer counts as leader. */
  private lapse(node: CheckedNode, from: number, to: number): number {
    let lo = from;
    let hi = to;
    for (let i = 0; i < 200; i += 1) {
      const mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) break;
      if (node.isLeader(mid)) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private fail(t: number, message: string): void {
    this.violations.push(`t=${t.toFixed(3)}: ${message}`);
  }
}
