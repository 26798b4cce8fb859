import type { ServerResponse } from 'node:http';
import type { CallLog } from './fake-upstream-common.js';
import type { VllmArgs } from './fake-vllm-args.js';

/** A failure the fake vLLM plays instead of serving. */
export type VllmFault =
  /** Stop listening (connections refused) until the faults are cleared, or for `forMs`. */
  | { refuse: true; forMs?: number }
  /** Answer this status with vLLM's error body before any byte of a body, without queueing. */
  | { status: number; message?: string }
  /** Take the request, start it (it holds a sequence slot) and never produce a first token: no header, no byte. */
  | { hang: true }
  /**
   * Die after producing this many tokens (0: before the first; an answer with fewer dies after its last, before its
   * end), as a crashed engine does: see FakeVllmOptions.onDie. A whole (non-streamed) answer is then never sent.
   */
  | { dieMidStream: number }
  /** Delay the first token by this much instead of the configured first-token time. */
  | { firstTokenDelayMs: number };

/** The faults played per call (refusing is the server's state, not a call's). */
export type CallFault = Exclude<VllmFault, { refuse: true }>;

/** Faults for the next N calls, taken in the order they were set, before a fault set for every call. */
export class FaultBook {
  private readonly counted: { fault: CallFault; left: number }[] = [];
  private always: CallFault | undefined;

  /** With `calls`, for the next that many calls; without, for every call until cleared. */
  add(fault: CallFault, calls?: number): void {
    if (calls === undefined) this.always = fault;
    else if (calls > 0) this.counted.push({ fault, left: calls });
  }

  take(): CallFault | undefined {
    const head = this.counted[0];
    if (!head) return this.always;
    if (--head.left === 0) this.counted.shift();
    return head.fault;
  }

  clear(): void {
    this.counted.length = 0;
    this.always = undefined;
  }
}

/**
 * vLLM's scheduler as a client sees it: at most `--max-num-seqs` sequences run at once, the others wait first come
 * first served, and a waiting request whose client went away is dropped from the queue.
 */
export class SeqScheduler {
  running = 0;
  /** The most requests that ever ran at once. */
  peakRunning = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** The fake's KV cache holds a fixed share per running sequence: full when max-num-seqs run. */
  get kvCacheUsage(): number {
    return this.running / this.capacity;
  }

  /** Resolves true once the request runs (call finish() after), or false when its client left while it waited. */
  admit(clientGone: AbortSignal): Promise<boolean> {
    if (clientGone.aborted) return Promise.resolve(false);
    if (this.running < this.capacity && this.queue.length === 0) {
      this.start();
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const go = (): void => {
        clientGone.removeEventListener('abort', leave);
        this.start();
        resolve(true);
      };
      const leave = (): void => {
        this.queue.splice(this.queue.indexOf(go), 1);
        resolve(false);
      };
      this.queue.push(go);
      clientGone.addEventListener('abort', leave, { once: true });
    });
  }

  finish(): void {
    this.running--;
    this.queue.shift()?.();
  }

  private start(): void {
    this.running++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
  }
}

/** The counters behind /metrics and the control API's stats. */
export class VllmCounters {
  promptTokens = 0;
  generationTokens = 0;
  /** Finished requests by finish reason (vllm:request_success_total). */
  readonly success = new Map<string, number>();
  /** Requests whose client went away before the answer ended (waiting or running). */
  disconnects = 0;

  succeeded(reason: string): void {
    this.success.set(reason, (this.success.get(reason) ?? 0) + 1);
  }

  get completed(): number {
    return [...this.success.values()].reduce((a, b) => a + b, 0);
  }
}

/** What a request handler of the fake sees. */
export interface VllmCtx {
  args: VllmArgs;
  timing: { firstTokenMs: number; tokenMs: number };
  scheduler: SeqScheduler;
  faults: FaultBook;
  counters: VllmCounters;
  log: CallLog;
  /** The engine died: see FakeVllmOptions.onDie. */
  die(): void;
}

/** Aborts when the client goes away before the answer ended; counts it as a disconnect. */
export function clientGone(res: ServerResponse, counters: VllmCounters): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (res.writableFinished) return;
    counters.disconnects++;
    gone.abort();
  });
  return gone.signal;
}

/** Waits `ms`, or less when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Produces the tokens at the configured pace (the first after the first-token time, the others a token time apart),
 * handing each to `emit`, and plays the call's fault. Returns true when all were produced, false when the client
 * went away or the engine died. The caller holds a scheduler slot.
 */
export async function pace(
  ctx: VllmCtx,
  fault: CallFault | undefined,
  tokens: readonly string[],
  signal: AbortSignal,
  emit: (token: string, index: number) => Promise<void>,
): Promise<boolean> {
  if (fault && 'hang' in fault) {
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return false;
  }
  const firstMs = firstTokenMs(ctx, fault);
  const dieAfter = fault && 'dieMidStream' in fault ? fault.dieMidStream : Infinity;
  for (const [i, token] of tokens.entries()) {
    if (i >= dieAfter) break;
    await sleep(i === 0 ? firstMs : ctx.timing.tokenMs, signal);
    if (signal.aborted) return false;
    ctx.counters.generationTokens++;
    await emit(token, i);
  }
  if (dieAfter === Infinity) return true;
  ctx.die();
  return false;
}

/** The time to a call's first token (or, for embeddings, to its vectors). */
export function firstTokenMs(ctx: VllmCtx, fault: CallFault | undefined): number {
  return fault && 'firstTokenDelayMs' in fault ? fault.firstTokenDelayMs : ctx.timing.firstTokenMs;
}
