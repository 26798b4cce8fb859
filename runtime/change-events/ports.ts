/** One message of the change queue: its body (untrusted text) and the handle that deletes it. */
export interface QueuedMessage {
  body: string;
  receipt: string;
}

/**
 * Why the queue cannot be used. Missing and Forbidden mean a deployment step is absent (the queue or its IAM
 * actions): polling takes over at once. Unavailable is a transient failure, tolerated a few times in a row.
 */
export type QueueProblem = 'QueueMissing' | 'QueueForbidden' | 'QueueUnavailable';

export class ChangeQueueError extends Error {
  override readonly name = 'ChangeQueueError';
  constructor(
    readonly problem: QueueProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The queue of SSM change events (adapters/sqs-change-queue.ts; an in-memory fake in tests). */
export interface ChangeQueuePort {
  /**
   * Up to 10 messages; `long`: waits up to the queue's long-poll time for them, else answers at once (how a queue
   * is probed before push is declared healthy). Throws ChangeQueueError.
   */
  receive(signal: AbortSignal, long: boolean): Promise<QueuedMessage[]>;
  /** Deletes handled messages (any number; the adapter batches); throws ChangeQueueError. */
  delete(receipts: readonly string[], signal: AbortSignal): Promise<void>;
}
