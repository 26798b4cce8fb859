// One queue's messages, in memory. Messages keep their send order (a Map iterates in insertion order), so a
// redelivered message comes back before newer ones. Memory is bounded by a message count, a byte budget and the
// retention period: the oldest messages are dropped first, and counted.
import { createHash, randomUUID } from 'node:crypto';
import type { QueueDefinition } from './definition.js';
import { SqsError } from './errors.js';
import type { NameRule } from './rules.js';
import { parseRule } from './rules.js';

export const MAX_MESSAGES_PER_QUEUE = 10_000;
export const MAX_BYTES_PER_QUEUE = 8 * 1024 * 1024;

export interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  bytes: number;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Token of the latest receive; only the latest receipt handle deletes. */
  token?: string;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export function md5Hex(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function receiptHandle(queue: string, id: string, token: string): string {
  return Buffer.from(`${queue} ${id} ${token}`, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class MessageQueue {
  readonly rule: NameRule;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly waiters = new Set<() => void>();
  private bytes = 0;
  private ended = false;
  /** Messages dropped by the caps (not by retention), since start. */
  dropped = 0;

  constructor(readonly def: QueueDefinition) {
    this.rule = parseRule(def.tags);
  }

  /** True once the queue is deleted or the server closes: long polls end, empty. */
  get closed(): boolean {
    return this.ended;
  }

  send(body: string, delaySeconds: number, now: number): StoredMessage {
    const bytes = Buffer.byteLength(body, 'utf8');
    const message = {
      id: randomUUID(),
      body,
      md5: md5Hex(body),
      bytes,
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    this.messages.set(message.id, message);
    this.bytes += bytes;
    while (this.messages.size > MAX_MESSAGES_PER_QUEUE || this.bytes > MAX_BYTES_PER_QUEUE) {
      this.dropOldest();
      this.dropped++;
    }
    this.wake();
    return message;
  }

  /** Takes up to max visible messages, oldest first, and hides them for visibilitySeconds. */
  receive(max: number, visibilitySeconds: number, now: number): { message: StoredMessage; handle: string }[] {
    this.expire(now);
    const taken: { message: StoredMessage; handle: string }[] = [];
    for (const message of this.messages.values()) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.token = randomUUID();
      taken.push({ message, handle: receiptHandle(this.def.name, message.id, message.token) });
    }
    return taken;
  }

  /**
   * Deletes by receipt handle. A malformed handle, or one of another queue, is ReceiptHandleIsInvalid; a handle of
   * a message already gone, or superseded by a later receive, succeeds without deleting (as SQS documents).
   */
  delete(handle: string): void {
    const parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
    const [queue, id, token] = parts;
    const wellFormed = parts.length === 3 && queue === this.def.name && UUID.test(id ?? '') && UUID.test(token ?? '');
    if (!wellFormed || handle.length > 1024) {
      throw new SqsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.', 404);
    }
    const message = this.messages.get(id as string);
    if (message !== undefined && message.token === token) this.removeMessage(message);
  }

  purge(): void {
    this.messages.clear();
    this.bytes = 0;
  }

  counts(now: number): QueueCounts {
    this.expire(now);
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) counts.visible++;
      else if (m.receiveCount > 0) counts.inFlight++;
      else counts.delayed++;
    }
    return counts;
  }

  /** Milliseconds until the next hidden message becomes visible, if any. */
  nextVisibleIn(now: number): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) {
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    }
    return next === undefined ? undefined : next - now;
  }

  /** Resolves on a new message, on close, on abort or after ms, whichever comes first. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      if (signal.aborted || this.ended) done();
    });
  }

  /** Ends every long poll; the queue takes no more messages. */
  close(): void {
    this.ended = true;
    this.purge();
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private expire(now: number): void {
    const retentionMs = this.def.attributes.MessageRetentionPeriod * 1000;
    for (const m of this.messages.values()) {
      if (m.sentAt + retentionMs > now) break;
      this.removeMessage(m);
    }
  }

  private dropOldest(): void {
    const oldest = this.messages.values().next();
    if (oldest.done !== true) this.removeMessage(oldest.value);
  }

  private removeMessage(message: StoredMessage): void {
    this.messages.delete(message.id);
    this.bytes -= message.bytes;
  }
}
