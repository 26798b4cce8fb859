import http from 'node:http';
import { dueBy, scheduledOffsetMs } from './load-schedule.js';
import { summarize, type Summary } from './stats.js';

/**
 * The AI gateway benchmark's HTTP load generator, in the benchmark's own process (the gateways and the upstream are
 * its children, so it never shares an event loop with what it measures). Every run has a fresh keep-alive agent.
 *
 * - open loop: requests leave at a constant rate whatever the answers do, and each latency is measured from the
 *   request's SCHEDULED send time, so a stall (the generator's, the gateway's) counts against every request it
 *   delayed instead of silently lowering the rate (no coordinated omission);
 * - closed loop: `concurrency` workers, each sending its next request when the last one was answered (saturation).
 */
export interface HttpTarget {
  name: string;
  /** http://host:port/path */
  url: string;
  headers: Record<string, string>;
  /** The JSON body of request i (distinct per i for cache misses, the same for hits). */
  body(i: number): string;
}

export interface LoadRun {
  target: string;
  mode: 'open' | 'closed';
  sent: number;
  /** 200 answers read to their end. */
  ok: number;
  /** status -> count, all answers. */
  statuses: Record<string, number>;
  /** error code -> count, requests without an answer (TIMEOUT: none within the timeout). */
  errors: Record<string, number>;
  /** x-csgw-cache header value -> count (csgw's answers only). */
  cache: Record<string, number>;
  elapsedMs: number;
  /** Of the 200 answers: open loop from the scheduled send time, closed loop from the send. */
  latency: Summary;
  /** Of the 200 answers, from the moment the request was actually sent (the same as latency in a closed loop). */
  service: Summary;
  /** Open loop: how late the generator actually sent (ms after the scheduled time). */
  sendLag?: Summary;
}

class Recorder {
  readonly latencies: number[] = [];
  readonly services: number[] = [];
  readonly lags: number[] = [];
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly cache: Record<string, number> = {};
  sent = 0;
  ok = 0;

  answered(status: number, cache: string | undefined, latencyMs: number, serviceMs: number): void {
    bump(this.statuses, String(status));
    if (cache) bump(this.cache, cache);
    if (status !== 200) return;
    this.ok++;
    this.latencies.push(latencyMs);
    this.services.push(serviceMs);
  }

  failed(err: NodeJS.ErrnoException): void {
    bump(this.errors, err.code ?? err.name);
  }

  result(target: string, mode: LoadRun['mode'], elapsedMs: number): LoadRun {
    const { sent, ok, statuses, errors, cache } = this;
    return {
      ...{ target, mode, sent, ok, statuses, errors, cache, elapsedMs },
      latency: summarize(this.latencies),
      service: summarize(this.services),
      ...(mode === 'open' ? { sendLag: summarize(this.lags) } : {}),
    };
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

interface RunState {
  agent: http.Agent;
  target: HttpTarget;
  rec: Recorder;
  timeoutMs: number;
}

/** One request; resolves (never rejects) once it was answered and read to the end, or failed. */
function send({ agent, target, rec, timeoutMs }: RunState, i: number, fromMs: number): Promise<void> {
  rec.sent++;
  const sentAt = now();
  return new Promise<void>((resolve) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      resolve();
    };
    const body = target.body(i);
    const headers = { ...target.headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(target.url, { method: 'POST', agent, headers }, (res) => {
      const cache = res.headers['x-csgw-cache'];
      res.on('data', () => undefined);
      res.on('end', () => {
        const t = now();
        const header = typeof cache === 'string' ? cache : undefined;
        settle(() => rec.answered(res.statusCode ?? 0, header, t - fromMs, t - sentAt));
      });
      res.on('error', (err) => settle(() => rec.failed(err)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err) => settle(() => rec.failed(err)));
    req.end(body);
  });
}

const now = (): number => performance.now();

export interface OpenLoopOptions {
  rate: number;
  seconds: number;
  timeoutMs: number;
}

/** `rate` requests a second for `seconds`; returns when the last one was answered or timed out. */
export async function openLoop(target: HttpTarget, opts: OpenLoopOptions): Promise<LoadRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const run: RunState = { agent, target, rec: new Recorder(), timeoutMs: opts.timeoutMs };
  const total = Math.round(opts.rate * opts.seconds);
  const start = now();
  await new Promise<void>((done) => {
    let next = 0;
    let pending = 0;
    const finished = (): void => {
      pending--;
      if (next >= total && pending === 0) done();
    };
    const tick = (): void => {
      const t = now();
      for (const due = dueBy(t - start, opts.rate, total); next < due; next++) {
        const at = start + scheduledOffsetMs(next, opts.rate);
        run.rec.lags.push(t - at);
        pending++;
        void send(run, next, at).then(finished);
      }
      if (next >= total) return;
      // A timer, not a spin: the generator shares its core with the upstream. Node's timers fire at >= 1 ms, so a
      // request may leave a fraction of a millisecond late; that lag is reported and counted in its latency.
      const wait = start + scheduledOffsetMs(next, opts.rate) - now();
      setTimeout(tick, Math.max(1, Math.floor(wait)));
    };
    tick();
  });
  const elapsedMs = now() - start;
  agent.destroy();
  return run.rec.result(target.name, 'open', elapsedMs);
}

export interface ClosedLoopOptions {
  concurrency: number;
  seconds: number;
  timeoutMs: number;
}

/** `concurrency` workers back to back for `seconds`; elapsed runs to the last answer. */
export async function closedLoop(target: HttpTarget, opts: ClosedLoopOptions): Promise<LoadRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const run: RunState = { agent, target, rec: new Recorder(), timeoutMs: opts.timeoutMs };
  const start = now();
  const deadline = start + opts.seconds * 1000;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (now() < deadline) await send(run, i++, now());
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedMs = now() - start;
  agent.destroy();
  return run.rec.result(target.name, 'closed', elapsedMs);
}

/** Answered 200s per second of the run. */
export function throughput(run: LoadRun): number {
  return run.elapsedMs > 0 ? (run.ok * 1000) / run.elapsedMs : 0;
}
