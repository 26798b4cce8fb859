import type { LocalModelConfig } from '../config.js';
import { LocalCapacity } from './capacity.js';
import { ServerWaitingPoller } from './server-waiting.js';

export interface LocalModelState {
  name: string;
  running: number;
  queued: number;
  oldestWaitMs: number;
}

interface Entry {
  capacity: LocalCapacity;
  poller?: ServerWaitingPoller;
}

/**
 * The local models' capacity, kept for the life of the process: a reload updates limits and what is polled, and
 * requests in flight or queued on a model keep their places. A model no longer configured is dropped.
 */
export class LocalModels {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly pollMs = 1000) {}

  sync(models: readonly LocalModelConfig[]): void {
    const wanted = new Set(models.map((m) => m.name));
    for (const [name, entry] of this.entries)
      if (!wanted.has(name)) {
        entry.poller?.stop();
        this.entries.delete(name);
      }
    for (const m of models) {
      const limits = {
        maxConcurrency: m.overflow.maxConcurrency,
        ...(m.overflow.maxServerWaiting !== undefined ? { maxServerWaiting: m.overflow.maxServerWaiting } : {}),
      };
      const entry = this.entries.get(m.name) ?? { capacity: new LocalCapacity(limits) };
      entry.capacity.setLimits(limits);
      // The gauge matters only with a threshold: without one the gateway does not poll vLLM at all.
      if (limits.maxServerWaiting === undefined) {
        entry.poller?.stop();
        delete entry.poller;
      } else if (entry.poller) entry.poller.retarget(m.metricsUrl, m.servedName);
      else
        entry.poller = new ServerWaitingPoller(
          m.metricsUrl,
          m.servedName,
          (n) => entry.capacity.setServerWaiting(n),
          this.pollMs,
        );
      this.entries.set(m.name, entry);
    }
  }

  capacity(name: string): LocalCapacity | undefined {
    return this.entries.get(name)?.capacity;
  }

  states(): LocalModelState[] {
    return [...this.entries].map(([name, { capacity }]) => ({
      name,
      running: capacity.running,
      queued: capacity.queued,
      oldestWaitMs: capacity.oldestWaitMs(),
    }));
  }

  close(): void {
    for (const entry of this.entries.values()) entry.poller?.stop();
  }
}
