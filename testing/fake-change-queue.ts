import type { StoredParameter } from '../runtime/desired-source.js';
import {
  ChangeQueueError,
  type ChangeQueuePort,
  type QueuedMessage,
  type QueueProblem,
} from '../runtime/change-events/ports.js';
import { untilAborted } from './deferred.js';
import { waitFor } from './wait.js';

/**
 * An in-memory change queue. A receive returns what is queued, or waits until something is (or, like a long poll
 * ending empty, `waitMs`); `problem` makes every call fail as a missing, forbidden or failing queue does.
 */
export class FakeChangeQueue implements ChangeQueuePort {
  problem?: QueueProblem;
  /** With problem set: how many calls fail before it clears by itself (undefined: until a test clears it). */
  failures?: number;
  receives = 0;
  readonly deleted: string[] = [];
  private messages: QueuedMessage[] = [];
  private nextReceipt = 0;
  private wake?: () => void;

  constructor(private readonly waitMs = 50) {}

  send(body: string): void {
    this.messages.push({ body, receipt: `r${++this.nextReceipt}` });
    this.wake?.();
  }

  /** Sends an EventBridge "Parameter Store Change" event, as SSM does. */
  sendChange(name: string, operation = 'Update'): void {
    this.send(
      JSON.stringify({
        version: '0',
        'detail-type': 'Parameter Store Change',
        source: 'aws.ssm',
        time: new Date().toISOString(),
        detail: { operation, name, type: 'String' },
      }),
    );
  }

  async receive(signal: AbortSignal, long: boolean): Promise<QueuedMessage[]> {
    this.receives += 1;
    this.check();
    if (this.messages.length === 0 && long)
      await Promise.race([
        new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.waitMs);
        }),
        untilAborted(signal),
      ]);
    this.wake = undefined;
    this.check();
    return this.messages.splice(0, 10);
  }

  delete(receipts: readonly string[]): Promise<void> {
    this.check();
    this.deleted.push(...receipts);
    return Promise.resolve();
  }

  private check(): void {
    const problem = this.problem;
    if (!problem) return;
    if (this.failures !== undefined && --this.failures <= 0) this.problem = this.failures = undefined;
    throw new ChangeQueueError(problem, `fake queue: ${problem}`);
  }
}

/** A lister over an in-memory store that records every path it was asked for. */
export function recordingLister(store: StoredParameter[]): {
  list: (path: string, signal: AbortSignal) => Promise<StoredParameter[]>;
  paths: string[];
} {
  const paths: string[] = [];
  return {
    paths,
    list: (path) => {
      paths.push(path);
      return Promise.resolve(store.filter((p) => p.name.startsWith(`${path}/`)).map((p) => ({ ...p })));
    },
  };
}

/** Waits (2 s at most, checking every 5 ms) until the condition holds: the fakes settle within milliseconds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  await waitFor(async () => (await condition()) || undefined, { timeoutMs: 2_000, intervalMs: 5, what });
}
