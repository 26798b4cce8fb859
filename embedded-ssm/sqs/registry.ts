// The queues of one endpoint: definitions (persisted, changed one at a time) and their in-memory messages.
// Parameter changes fan out from here to every queue whose emulated rule matches.
import type { ParameterChange } from '../changes.js';
import { changeEvent } from '../changes.js';
import { SerialQueue } from '../serial-queue.js';
import type { EndpointLogger } from '../types.js';
import { ACCOUNT_ID } from '../types.js';
import type { QueueAttributes, QueueDefinition } from './definition.js';
import { isQueueName, matches, withDefaults } from './definition.js';
import { queueDoesNotExist, SqsError } from './errors.js';
import { loadQueues, saveQueues } from './persistence.js';
import { MessageQueue } from './queue.js';
import type { StoredMessage } from './queue.js';
import { WILDCARD_TAG } from './rules.js';

export const DEFAULT_QUEUE = 'csgw-changes';
/** Spec changes only: status writes and lease heartbeats must not wake the operator. */
export const DEFAULT_QUEUE_TAGS: Readonly<Record<string, string>> = Object.freeze({ [WILDCARD_TAG]: '*/spec/*' });
export const MAX_QUEUES = 100;

export interface RegistryOptions {
  now: () => number;
  logger?: EndpointLogger;
}

export class QueueRegistry {
  private readonly queues = new Map<string, MessageQueue>();
  private readonly writes = new SerialQueue();
  private base = 'http://127.0.0.1';
  private ended = false;

  private constructor(
    private readonly dataDir: string,
    private readonly opts: RegistryOptions,
  ) {}

  /** Loads the saved queues and creates the default queue unless this data dir ever had (or deleted) it. */
  static async open(dataDir: string, opts: RegistryOptions): Promise<QueueRegistry> {
    const registry = new QueueRegistry(dataDir, opts);
    const file = await loadQueues(dataDir);
    for (const def of file.queues) registry.queues.set(def.name, new MessageQueue(def));
    if (!file.defaultQueueHandled) {
      const def = {
        name: DEFAULT_QUEUE,
        createdAt: opts.now(),
        attributes: withDefaults({}),
        tags: { ...DEFAULT_QUEUE_TAGS },
      };
      registry.queues.set(def.name, new MessageQueue(def));
      await registry.persist();
    }
    return registry;
  }

  /** The advertised endpoint URL that queue URLs start with; known once the server listens. */
  setBaseUrl(url: string): void {
    this.base = url.replace(/\/+$/, '');
  }

  urlOf(name: string): string {
    return `${this.base}/${ACCOUNT_ID}/${name}`;
  }

  /** The queue a QueueUrl names. Any host is accepted (clients may reach the port through a mapping). */
  resolve(queueUrl: string): MessageQueue {
    let segments: string[];
    try {
      segments = new URL(queueUrl).pathname.split('/').slice(1);
    } catch {
      throw new SqsError('InvalidAddress', 'The address QueueUrl is not valid for this endpoint.', 404);
    }
    const [account, name] = segments;
    if (segments.length !== 2 || account === undefined || name === undefined || !isQueueName(name)) {
      throw new SqsError('InvalidAddress', 'The address QueueUrl is not valid for this endpoint.', 404);
    }
    const queue = account === ACCOUNT_ID ? this.queues.get(name) : undefined;
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  find(name: string): MessageQueue | undefined {
    return this.queues.get(name);
  }

  /** Queue names in order, optionally by prefix. */
  names(prefix = ''): string[] {
    return [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Creates a queue, or returns the existing one if every given attribute and tag matches it. */
  create(name: string, attrs: Partial<QueueAttributes>, tags: Record<string, string>): Promise<MessageQueue> {
    return this.writes.run(async () => {
      const existing = this.queues.get(name);
      if (existing !== undefined) {
        if (matches(existing.def, attrs, tags)) return existing;
        throw new SqsError(
          'QueueNameExists',
          `A queue named ${name} already exists with different attributes or tags.`,
        );
      }
      if (this.queues.size >= MAX_QUEUES) throw new SqsError('OverLimit', `At most ${MAX_QUEUES} queues.`, 403);
      this.checkOpen();
      const queue = new MessageQueue({ name, createdAt: this.opts.now(), attributes: withDefaults(attrs), tags });
      await this.persist([...this.defs(), queue.def]);
      this.queues.set(name, queue);
      return queue;
    });
  }

  /** Deletes a queue durably, then ends its long polls. */
  delete(queue: MessageQueue): Promise<void> {
    return this.writes.run(async () => {
      if (this.queues.get(queue.def.name) !== queue) throw queueDoesNotExist();
      await this.persist(this.defs().filter((def) => def !== queue.def));
      this.queues.delete(queue.def.name);
      queue.close();
    });
  }

  /** Delivers a change event to every matching queue; called after the change is durable, in write order. */
  publish(change: ParameterChange): void {
    if (this.ended) return;
    const now = this.opts.now();
    const body = JSON.stringify(changeEvent(change, now));
    for (const queue of this.queues.values()) {
      if (queue.rule(change.name)) this.deliver(queue, body, 0, now);
    }
  }

  /** Adds a message; says once per queue when the caps start dropping old messages. */
  deliver(queue: MessageQueue, body: string, delaySeconds: number, now: number): StoredMessage {
    const before = queue.dropped;
    const message = queue.send(body, delaySeconds, now);
    if (before === 0 && queue.dropped > 0) {
      this.opts.logger?.warn({ queue: queue.def.name }, 'embedded SQS queue full: dropping its oldest messages');
    }
    return message;
  }

  /** Ends every long poll (server shutdown) and waits for definition writes in flight. */
  async close(): Promise<void> {
    this.ended = true;
    for (const queue of this.queues.values()) queue.close();
    await this.writes.drain();
  }

  private checkOpen(): void {
    if (this.ended) throw new SqsError('InternalError', 'The endpoint is shutting down.', 500);
  }

  private defs(): QueueDefinition[] {
    return [...this.queues.values()].map((queue) => queue.def);
  }

  private async persist(queues = this.defs()): Promise<void> {
    await saveQueues(this.dataDir, { defaultQueueHandled: true, queues });
  }
}
