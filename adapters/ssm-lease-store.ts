import { GetParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { LeaseStoreRejected, type LeaseStore } from '../runtime/lease/elector.js';
import { decodeLeaseRecord, type LeaseObservation } from '../runtime/lease/record.js';

/**
 * Leases over GetParameters / PutParameter(Overwrite). Standard tier, String type, never labelled: a label pins a
 * version, and a parameter whose 100 retained versions are all pinned refuses new writes.
 *
 * Reads issued in the same turn of the event loop (the cluster and AZ electors read on the same retry-period grid)
 * go out as one GetParameters, so a non-holder pays one call per retry period for all its scopes.
 */
export function createSsmLeaseStore(client: SSMClient): LeaseStore {
  const reads = new ReadBatcher(client);
  return {
    read: (name, signal) => reads.read(name, signal),
    async write(name, value, signal) {
      try {
        const out = await client.send(
          new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true, Tier: 'Standard' }),
          { abortSignal: signal },
        );
        if (out.Version === undefined) throw new Error('PutParameter returned no version');
        return out.Version;
      } catch (err) {
        throw answeredBySsm(err) ? new LeaseStoreRejected(`${(err as Error).name}: ${(err as Error).message}`) : err;
      }
    },
  };
}

/** GetParameters takes at most 10 names. */
const MAX_NAMES = 10;

interface Waiter {
  resolve: (o: LeaseObservation) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal;
}

class ReadBatcher {
  private queued = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(private readonly client: SSMClient) {}

  read(name: string, signal: AbortSignal): Promise<LeaseObservation> {
    return new Promise((resolve, reject) => {
      // Each reader gives up at its own deadline, whatever the shared call does.
      const giveUp = (): void => reject(asError(signal.reason));
      if (signal.aborted) return giveUp();
      signal.addEventListener('abort', giveUp, { once: true });
      const waiters = this.queued.get(name) ?? [];
      waiters.push({ resolve, reject, signal });
      this.queued.set(name, waiters);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = new Map();
    this.scheduled = false;
    const names = [...batch.keys()];
    for (let i = 0; i < names.length; i += MAX_NAMES) void this.fetch(names.slice(i, i + MAX_NAMES), batch);
  }

  /** One call for the names; it ends when every waiter's own signal has, so no reader waits past its deadline. */
  private async fetch(names: string[], batch: Map<string, Waiter[]>): Promise<void> {
    const waiters = names.flatMap((n) => batch.get(n) ?? []);
    const signal = allAborted(waiters.map((w) => w.signal));
    try {
      const out = await this.client.send(new GetParametersCommand({ Names: names }), { abortSignal: signal });
      const found = new Map((out.Parameters ?? []).map((p) => [p.Name, p]));
      for (const name of names) {
        const observation = observationOf(found.get(name));
        for (const w of batch.get(name) ?? []) w.resolve(observation);
      }
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** A name GetParameters did not find (it lists it under InvalidParameters) reads as version 0. */
function observationOf(p: { Version?: number; Value?: string } | undefined): LeaseObservation {
  if (!p) return { version: 0 };
  const record = decodeLeaseRecord(p.Value ?? '');
  return record ? { version: p.Version ?? 0, record } : { version: p.Version ?? 0 };
}

/** Aborts when every one of the signals has (the batch serves them all); each waiter also gives up on its own. */
function allAborted(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let left = signals.length;
  for (const s of signals) {
    const onAbort = (): void => {
      left -= 1;
      if (left === 0) controller.abort(s.reason);
    };
    if (s.aborted) onAbort();
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return controller.signal;
}

/** An error response from SSM means the write was not applied; a timeout or a dropped connection proves nothing. */
function answeredBySsm(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}
