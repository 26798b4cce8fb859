/** vLLM's gauge of requests waiting in its scheduler. */
const WAITING = 'vllm:num_requests_waiting';

/**
 * The waiting requests of one served model from vLLM's Prometheus text (summed over the lines labelled with it, or
 * over all lines when none carries a model_name label); undefined when the gauge is not there.
 */
export function serverWaiting(text: string, servedName: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(WAITING)) continue;
    const match = /^vllm:num_requests_waiting(?:\{([^}]*)\})?\s+([0-9.eE+-]+|NaN)/.exec(line);
    if (!match) continue;
    const labels = match[1] ?? '';
    const model = /model_name="([^"]*)"/.exec(labels)?.[1];
    if (model !== undefined && model !== servedName) continue;
    const value = Number(match[2]);
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/** Reads the gauge every periodMs, each read under its own deadline; a failed read counts as unknown (0). */
export class ServerWaitingPoller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private url: string,
    private servedName: string,
    private readonly report: (waiting: number) => void,
    private readonly periodMs = 1000,
  ) {
    this.schedule(0);
  }

  retarget(url: string, servedName: string): void {
    this.url = url;
    this.servedName = servedName;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(this.periodMs) });
      // An error's body is read too: an unread one keeps its connection out of the pool.
      const text = await res.text();
      this.report(res.ok ? (serverWaiting(text, this.servedName) ?? 0) : 0);
    } catch {
      // A server that is down or loading has no queue worth waiting on: requests to it fail and follow the policy.
      this.report(0);
    }
    this.schedule(this.periodMs);
  }
}
