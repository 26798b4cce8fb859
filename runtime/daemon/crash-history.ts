/** How a supervised daemon's crashes turn into restart delays and the CrashLoop verdict. */
export interface CrashPolicy {
  /** Crashes older than this are forgotten. */
  windowMs: number;
  /** This many crashes within the window make a crash loop. */
  loopThreshold: number;
  /** The second crash in the window waits this long before the restart, doubling up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicy = {
  windowMs: 60_000,
  loopThreshold: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

/**
 * Crash times within the policy's window. The first crash restarts at once (a one-off kill costs no wait); each
 * further crash in the window doubles the delay, capped, like systemd's restart back-off.
 */
export class CrashHistory {
  private times: number[] = [];

  constructor(private readonly policy: CrashPolicy) {}

  get windowMs(): number {
    return this.policy.windowMs;
  }

  /** Records a crash at `now` and returns how long to wait before restarting. */
  record(now: number): number {
    this.times = [...this.recent(now), now];
    const n = this.times.length;
    return n <= 1 ? 0 : Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (n - 2));
  }

  count(now: number): number {
    return this.recent(now).length;
  }

  inLoop(now: number): boolean {
    return this.count(now) >= this.policy.loopThreshold;
  }

  private recent(now: number): number[] {
    return this.times.filter((t) => now - t < this.policy.windowMs);
  }
}
