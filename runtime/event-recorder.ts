import { Subject, type Observable } from 'rxjs';
import type { EventType, ObjectRef, StatusEvent } from './status-types.js';

export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
  object: ObjectRef;
}

/**
 * Records events de-duplicated like Kubernetes: a repeat of (type, reason, object, message) bumps count and
 * lastTimestamp instead of adding an entry. Every record, new or repeated, is streamed.
 */
export class EventRecorder {
  private readonly recent = new Map<string, StatusEvent>();
  private readonly subject = new Subject<StatusEvent>();
  readonly events$: Observable<StatusEvent> = this.subject.asObservable();

  constructor(
    private readonly instanceId: string,
    private readonly clock: () => Date,
    private readonly capacity = 200,
  ) {}

  record(input: EventInput): StatusEvent {
    const key = JSON.stringify([input.type, input.reason, input.object.kind, input.object.name, input.message]);
    const now = this.clock().toISOString();
    const previous = this.recent.get(key);
    const event: StatusEvent = previous
      ? { ...previous, count: previous.count + 1, lastTimestamp: now }
      : { ...input, instanceId: this.instanceId, count: 1, firstTimestamp: now, lastTimestamp: now };
    // Re-inserting moves the key to the end, so Map order is recency order and eviction drops the oldest.
    this.recent.delete(key);
    this.recent.set(key, event);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.keys().next().value as string);
    this.subject.next(event);
    return event;
  }

  /** Recent events, oldest first. */
  list(): StatusEvent[] {
    return [...this.recent.values()];
  }

  complete(): void {
    this.subject.complete();
  }
}
