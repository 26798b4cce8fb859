import type { FencingToken } from './fencing.js';
import { isEffective, type LeaseObservation, type LeaseRecord } from './record.js';
import type { LeaseTiming } from './timing.js';

/**
 * One node's view of one lease scope, as a pure state machine without I/O or timers ("sans-IO"): inputs carry the
 * local monotonic time, outputs are commands for a driver (runtime/lease/elector.ts) or a simulator
 * (runtime/lease/simulation/) to carry out. The safety argument is in docs/adr/0005-ssm-lease.md.
 */
export type LeaseInput =
  | { type: 'timer' }
  | { type: 'readDone'; id: number; observation: LeaseObservation }
  | { type: 'writeDone'; id: number; version: number }
  | { type: 'failed'; id: number; error: string; maybeApplied: boolean }
  | { type: 'release' };

export type LeaseLostReason = 'Superseded' | 'RenewDeadlineExceeded' | 'Released';

export type LeaseCommand =
  | { type: 'read'; id: number; timeoutMs: number }
  | { type: 'write'; id: number; record: LeaseRecord; timeoutMs: number }
  /** Deliver a 'timer' input at this local time; replaces any earlier wake-up. */
  | { type: 'wakeAt'; at: number }
  | { type: 'elected'; token: FencingToken }
  | { type: 'lost'; reason: LeaseLostReason; message: string }
  | { type: 'renewFailed'; message: string }
  | { type: 'stopped' };

type Purpose = 'claim' | 'renew' | 'release';

interface SentWrite {
  record: LeaseRecord;
  purpose: Purpose;
  sentAt: number;
}

interface Pending {
  id: number;
  write?: SentWrite;
}

interface Term {
  epoch: number;
  /** The version of the latest write of ours that landed at basedOn + 1. */
  version: number;
  /**
   * The version the next renew is based on: `version`, or a later one of losing writes (ours or other claimants')
   * learned while still valid, which cannot hide another's effective write (see the ADR).
   */
  head: number;
  lastSentAt: number;
  validUntil: number;
}

/** What this node last saw of the parameter, and when (local clock): expiry is measured from `at`. */
interface Seen extends LeaseObservation {
  at: number;
  lastReadAt: number;
}

export interface LeaseCoreOptions {
  scope: string;
  holder: string;
  timing: LeaseTiming;
  /** Wall-clock ISO time for the informational fields of records. */
  wallClock: () => string;
  /** Tells this process's writes from a restarted process's with the same holder name (default: random). */
  incarnation?: string;
}

export class LeaseCore {
  private role: 'candidate' | 'leader' | 'releasing' | 'stopped' = 'candidate';
  private seen?: Seen;
  private term?: Term;
  private pending?: Pending;
  /** A write whose response was lost: it may still land, and a later read can prove it did. */
  private unresolved?: SentWrite;
  private nextActionAt = 0;
  /** A release is based on the latest version, read first, so losing claims cannot turn it into junk. */
  private releaseReadDone = false;
  private seq = 0;
  private fresh = false;

  private readonly writer: string;

  constructor(private readonly opts: LeaseCoreOptions) {
    this.writer = `${opts.holder}/${opts.incarnation ?? Math.random().toString(36).slice(2, 10)}`;
  }

  isLeader(now: number): boolean {
    return this.role === 'leader' && this.term !== undefined && now < this.term.validUntil;
  }

  token(now: number): FencingToken | undefined {
    if (!this.isLeader(now) || !this.term) return undefined;
    return { scope: this.opts.scope, holder: this.opts.holder, epoch: this.term.epoch, version: this.term.version };
  }

  /** The last record this node read or wrote: who holds the scope, as far as it knows. */
  observed(): LeaseObservation | undefined {
    return this.seen;
  }

  get stopped(): boolean {
    return this.role === 'stopped';
  }

  handle(input: LeaseInput, now: number): LeaseCommand[] {
    const out: LeaseCommand[] = [];
    if (input.type === 'release') this.onRelease(now, out);
    else if (input.type !== 'timer') this.onResult(input, now, out);
    this.act(now, out);
    return out;
  }

  private onResult(input: Exclude<LeaseInput, { type: 'timer' | 'release' }>, now: number, out: LeaseCommand[]): void {
    const pending = this.pending;
    if (pending?.id !== input.id) return; // a response the driver already gave up on
    this.pending = undefined;
    if (input.type === 'readDone') this.onRead(input.observation, now, out);
    else if (input.type === 'writeDone' && pending.write) this.onWritten(pending.write, input.version, now, out);
    else if (input.type === 'failed') this.onFailed(pending, input, now, out);
  }

  private onRead(observation: LeaseObservation, now: number, out: LeaseCommand[]): void {
    const mine = this.unresolved;
    if (mine && observation.record?.writeId === mine.record.writeId && isEffective(observation)) {
      this.unresolved = undefined;
      this.won(mine, observation.version, now, out);
      return;
    }
    if (mine && observation.version > mine.record.basedOn) this.unresolved = undefined; // it can no longer win
    if (this.seen?.version !== observation.version) this.seen = { ...observation, at: now, lastReadAt: now };
    else this.seen.lastReadAt = now;
    this.fresh = true;
    if (this.role === 'leader' || this.role === 'releasing') return this.afterHolderRead(observation, now, out);
    if (this.role !== 'candidate') return;
    if (this.unresolved) this.nextActionAt = now + this.renewRetryMs();
    else if (this.claimable(now)) this.nextActionAt = now;
    else this.nextActionAt = Math.min(this.nextReadSlot(now), this.expiresAt());
  }

  /** A holder reads only to learn the fate of a renew whose response was lost, and before it releases. */
  private afterHolderRead(observation: LeaseObservation, now: number, out: LeaseCommand[]): void {
    if (this.role === 'releasing') this.releaseReadDone = true;
    // If the lost renew lands after all, the next renew is the one that loses and reports it.
    this.unresolved = undefined;
    if (observation.version > this.term!.head) this.advanceHead(observation, now, out);
  }

  /**
   * Losing writes landed after our head while we were still valid: none of them can be another's effective claim
   * (those come only after our validity ended), so we keep the lease and build on top of them.
   */
  private advanceHead(latest: LeaseObservation, now: number, out: LeaseCommand[]): void {
    const term = this.term!;
    const foreign = isEffective(latest) && !latest.record?.writeId.startsWith(`${this.writer}/`);
    if (now < term.validUntil && !foreign) {
      term.head = latest.version;
      if (this.role === 'leader') this.nextActionAt = now;
      return;
    }
    if (this.role !== 'leader') return;
    out.push({ type: 'lost', reason: 'Superseded', message: `version ${latest.version} was written by another` });
    this.becomeCandidate(now);
  }

  private onWritten(write: SentWrite, version: number, now: number, out: LeaseCommand[]): void {
    if (write.purpose === 'release') return this.stop(out);
    if (version === write.record.basedOn + 1) return this.won(write, version, now, out);
    this.seen = { version, record: write.record, at: now, lastReadAt: -Infinity };
    if (this.term && write.purpose === 'renew') return this.advanceHead({ version, record: write.record }, now, out);
    if (this.role === 'candidate') this.becomeCandidate(now);
  }

  private onFailed(
    pending: Pending,
    input: { error: string; maybeApplied: boolean },
    now: number,
    out: LeaseCommand[],
  ) {
    const write = pending.write;
    if (write && input.maybeApplied) this.unresolved = write;
    if (write?.purpose === 'release') return this.stop(out);
    if (this.role === 'releasing' && !write) this.releaseReadDone = true; // release on what we know
    if (this.role === 'leader' && write) {
      out.push({ type: 'renewFailed', message: input.error });
      this.nextActionAt = now + this.renewRetryMs();
    } else if (this.role === 'candidate') {
      this.nextActionAt = this.unresolved ? now : now + this.opts.timing.retryPeriodMs;
    }
  }

  private won(write: SentWrite, version: number, now: number, out: LeaseCommand[]): void {
    const validUntil = write.sentAt + this.opts.timing.renewDeadlineMs;
    this.seen = { version, record: write.record, at: now, lastReadAt: -Infinity };
    if (this.role === 'releasing' && this.term) this.term.head = this.term.version = version; // release on top
    if (this.role !== 'leader' && this.role !== 'candidate') return;
    if (now >= validUntil) {
      // It landed, but too late to act on: let it expire like anyone else's record.
      if (this.role === 'leader') this.stepDown(now, out);
      return;
    }
    const elected = this.role !== 'leader';
    this.role = 'leader';
    this.term = { epoch: write.record.epoch, version, head: version, lastSentAt: write.sentAt, validUntil };
    this.nextActionAt = write.sentAt + this.opts.timing.retryPeriodMs;
    if (elected) out.push({ type: 'elected', token: this.token(now)! });
  }

  private onRelease(now: number, out: LeaseCommand[]): void {
    if (this.role === 'leader') {
      // Stop acting before the release is even sent: followers may claim the moment they read it.
      this.role = 'releasing';
      out.push({ type: 'lost', reason: 'Released', message: 'lease released on shutdown' });
      this.nextActionAt = now;
    } else if (this.role === 'candidate') this.stop(out);
  }

  /** Sends whatever is due, or asks to be woken when something will be. Only one request is ever in flight. */
  private act(now: number, out: LeaseCommand[]): void {
    if (this.role === 'leader' && this.term && now >= this.term.validUntil) this.stepDown(now, out);
    // Past its sender's deadline a lost write grants nothing even if it lands: stop waiting for it.
    if (this.unresolved && now >= this.unresolved.sentAt + this.opts.timing.renewDeadlineMs)
      this.unresolved = undefined;
    if (this.role === 'stopped') return;
    if (this.pending) {
      if (this.role === 'leader' && this.term) out.push({ type: 'wakeAt', at: this.term.validUntil });
      return;
    }
    if (now < this.nextActionAt) {
      const deadline = this.role === 'leader' && this.term ? this.term.validUntil : Infinity;
      out.push({ type: 'wakeAt', at: Math.min(this.nextActionAt, deadline) });
      return;
    }
    out.push(this.nextRequest(now));
  }

  private nextRequest(now: number): LeaseCommand {
    const retry = this.opts.timing.retryPeriodMs;
    if (this.role === 'releasing' && this.releaseReadDone)
      return this.write('release', this.term!.epoch, this.term!.head, now, retry);
    if (this.role === 'leader' && !this.unresolved) {
      const left = this.term!.validUntil - now;
      return this.write('renew', this.term!.epoch, this.term!.head, now, Math.min(retry, left));
    }
    if (this.role === 'candidate' && !this.unresolved && this.seen && this.claimable(now))
      return this.write('claim', this.seen.version + 1, this.seen.version, now, retry);
    this.pending = { id: this.seq + 1 };
    this.fresh = false;
    this.seq += 1;
    return { type: 'read', id: this.seq, timeoutMs: retry };
  }

  private write(purpose: Purpose, epoch: number, basedOn: number, now: number, timeoutMs: number): LeaseCommand {
    this.seq += 1;
    const wall = this.opts.wallClock();
    const previous = this.seen?.record;
    const record: LeaseRecord = {
      holder: purpose === 'release' ? '' : this.opts.holder,
      epoch,
      basedOn,
      writeId: `${this.writer}/${this.seq}`,
      leaseDurationMs: this.opts.timing.leaseDurationMs,
      released: purpose === 'release',
      acquireTime: purpose === 'renew' && previous ? previous.acquireTime : wall,
      renewTime: wall,
    };
    this.pending = { id: this.seq, write: { record, purpose, sentAt: now } };
    this.fresh = false;
    return { type: 'write', id: this.seq, record, timeoutMs };
  }

  /** A released record may be claimed at once; anything else only after it stayed unchanged for the duration. */
  private claimable(now: number): boolean {
    if (!this.seen || !this.fresh) return false;
    if (isEffective(this.seen) && this.seen.record?.released) return true;
    return this.seen.lastReadAt >= this.expiresAt() && now >= this.expiresAt();
  }

  /**
   * Periodic reads fall on a grid of the retry period on the local clock, so the electors of one process (cluster and
   * AZ scope) read at the same moments and the store can batch them into one call. The first slot at least half a
   * period away keeps the average period at one retry period.
   */
  private nextReadSlot(now: number): number {
    const period = this.opts.timing.retryPeriodMs;
    return Math.ceil((now + period / 2) / period) * period;
  }

  private expiresAt(): number {
    return (this.seen?.at ?? 0) + this.opts.timing.leaseDurationMs;
  }

  private renewRetryMs(): number {
    return Math.max(50, Math.floor(this.opts.timing.retryPeriodMs / 8));
  }

  private stepDown(now: number, out: LeaseCommand[]): void {
    out.push({
      type: 'lost',
      reason: 'RenewDeadlineExceeded',
      message: `no renew landed within ${this.opts.timing.renewDeadlineMs} ms`,
    });
    this.becomeCandidate(now);
  }

  private becomeCandidate(now: number): void {
    this.role = 'candidate';
    this.term = undefined;
    this.nextActionAt = now;
  }

  private stop(out: LeaseCommand[]): void {
    this.role = 'stopped';
    this.term = undefined;
    out.push({ type: 'stopped' });
  }
}
