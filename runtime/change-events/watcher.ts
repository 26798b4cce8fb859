import { backoffDelay, type BackoffTiming } from '../backoff.js';
import { decodeParameterChange, type ParameterChange } from './decode.js';
import type { EventResult } from './metrics.js';
import { ChangeQueueError, type ChangeQueuePort, type QueueProblem } from './ports.js';

/** How desired-state changes are learnt: from change events, or by the full list alone (and why). */
export type FeedState =
  | { mechanism: 'push' }
  | { mechanism: 'polling'; reason: QueueProblem | 'PushDisabled' | 'PushStarting'; message: string };

export interface WatcherTiming extends BackoffTiming {
  /** Deadline of one receive: a little over the queue's long-poll wait. */
  receiveDeadlineMs: number;
  /** Transient failures in a row tolerated before polling takes over. */
  toleratedFailures: number;
}

export interface WatcherDeps {
  queue: ChangeQueuePort;
  timing: WatcherTiming;
  /** A well-formed event; the caller decides whether it concerns this gateway. */
  onChange(change: ParameterChange): EventResult;
  onEvent(result: EventResult): void;
  onState(state: FeedState): void;
  /** A delete that failed: the messages come back after their visibility timeout, as harmless duplicates. */
  onDeleteFailed(err: Error): void;
  random?: () => number;
}

/**
 * Long-polls the change queue until stopped. Never throws: a queue that is missing, forbidden or failing is reported
 * (polling takes over) and retried with backoff, so a queue created later is picked up.
 */
export class ChangeWatcher {
  private failures = 0;
  private state?: FeedState;

  constructor(private readonly deps: WatcherDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = AbortSignal.timeout(this.deps.timing.receiveDeadlineMs);
      try {
        // Until the queue has answered once, a receive that returns at once: push is healthy in a moment, not 20 s.
        const messages = await this.deps.queue.receive(
          AbortSignal.any([signal, deadline]),
          this.state?.mechanism === 'push',
        );
        this.failures = 0;
        this.report({ mechanism: 'push' });
        await this.handle(messages, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.failed(err as Error, deadline.aborted);
        await sleep(backoffDelay(this.failures, this.deps.timing, this.deps.random ?? Math.random), signal);
      }
    }
  }

  private async handle(messages: readonly { body: string; receipt: string }[], signal: AbortSignal): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) {
      const change = decodeParameterChange(m.body);
      this.deps.onEvent(change ? this.deps.onChange(change) : 'malformed');
    }
    // Handled or not, every message goes: a hint is already acted on, and garbage would only come back.
    try {
      await this.deps.queue.delete(
        messages.map((m) => m.receipt),
        AbortSignal.any([signal, AbortSignal.timeout(this.deps.timing.receiveDeadlineMs)]),
      );
    } catch (err) {
      if (!signal.aborted) this.deps.onDeleteFailed(err as Error);
    }
  }

  private failed(err: Error, stalled: boolean): void {
    this.failures += 1;
    const problem: QueueProblem = err instanceof ChangeQueueError ? err.problem : 'QueueUnavailable';
    const message = stalled ? 'the change queue did not answer before its deadline' : err.message;
    // A stalled queue is not a blip: a receive is already as long as the long poll, so polling takes over at once.
    if (problem !== 'QueueUnavailable' || stalled || this.failures >= this.deps.timing.toleratedFailures)
      this.report({ mechanism: 'polling', reason: problem, message });
  }

  private report(state: FeedState): void {
    const same =
      this.state?.mechanism === state.mechanism &&
      (state.mechanism === 'push' || (this.state.mechanism === 'polling' && this.state.reason === state.reason));
    if (same) return;
    this.state = state;
    this.deps.onState(state);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
