import type { TcpConnectCheck } from '../../../runtime/ports.js';
import type { HealthCheckSpec } from './types.js';

/**
 * One TCP connect from the gateway to a target: true when the handshake completed within timeoutMs. Built in the
 * composition root (the host's namespace, or the managed one); never throws for a refused or silent target.
 */
export type TcpCheck = TcpConnectCheck;

/** Runs fn after ms; the returned function cancels it. Injected so tests step time by hand. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  // Background checks must never keep the operator alive on shutdown.
  timer.unref();
  return () => clearTimeout(timer);
};

export type TcpSettings = Extract<HealthCheckSpec, { source: 'tcp' }>;

/** A target's verdict and the consecutive results that lead to the next one. */
export interface Verdict {
  health: 'unknown' | 'healthy' | 'unhealthy';
  successes: number;
  failures: number;
}

export const FIRST_VERDICT: Verdict = { health: 'unknown', successes: 0, failures: 0 };

/**
 * NLB-like thresholds: healthyThreshold successes in a row make a target healthy, unhealthyThreshold failures in a
 * row make it unhealthy; anything less keeps the verdict it had (`unknown` before the first one).
 */
export function afterCheck(v: Verdict, ok: boolean, t: TcpSettings): Verdict {
  if (ok) {
    const successes = v.successes + 1;
    return { health: successes >= t.healthyThreshold ? 'healthy' : v.health, successes, failures: 0 };
  }
  const failures = v.failures + 1;
  return { health: failures >= t.unhealthyThreshold ? 'unhealthy' : v.health, successes: 0, failures };
}

/** The verdict as a member's health, with ELBv2's reason codes so status reads the same for either source. */
export function healthOf(v: Verdict): { health: Verdict['health']; reason?: string } {
  if (v.health === 'unknown') return { health: 'unknown', reason: 'Elb.InitialHealthChecking' };
  if (v.health === 'unhealthy') return { health: 'unhealthy', reason: 'Target.FailedHealthChecks' };
  return { health: 'healthy' };
}

export interface Endpoint {
  address: string;
  port: number;
}

interface Tracked extends Endpoint {
  verdict: Verdict;
  cancel?: () => void;
}

const keyOf = (e: Endpoint): string => `${e.address}:${e.port}`;

/**
 * The background TCP checks of one LoadBalancer resource: one loop per target, each check started intervalSeconds
 * after the previous one ended (never two at once for a target). stop() cancels every timer and in-flight connect.
 */
export class TcpHealthChecks {
  private readonly targets = new Map<string, Tracked>();
  private readonly stopped = new AbortController();

  constructor(
    private settings: TcpSettings,
    private readonly deps: { tcpCheck: TcpCheck; schedule: Schedule },
  ) {}

  /** Checks exactly these targets from now on: new ones start `unknown` and are checked at once; gone ones stop. */
  track(endpoints: readonly Endpoint[], settings: TcpSettings): void {
    this.settings = settings;
    const wanted = new Map(endpoints.map((e) => [keyOf(e), e]));
    for (const [key, t] of this.targets) {
      if (wanted.has(key)) continue;
      t.cancel?.();
      this.targets.delete(key);
    }
    for (const [key, e] of wanted) {
      if (this.targets.has(key) || this.stopped.signal.aborted) continue;
      const t: Tracked = { address: e.address, port: e.port, verdict: FIRST_VERDICT };
      this.targets.set(key, t);
      this.check(key, t);
    }
  }

  verdict(e: Endpoint): Verdict {
    return this.targets.get(keyOf(e))?.verdict ?? FIRST_VERDICT;
  }

  stop(): void {
    this.stopped.abort();
    for (const t of this.targets.values()) t.cancel?.();
    this.targets.clear();
  }

  private check(key: string, t: Tracked): void {
    t.cancel = undefined;
    const { timeoutSeconds } = this.settings;
    void this.deps
      .tcpCheck(t.address, t.port, timeoutSeconds * 1000, this.stopped.signal)
      .catch(() => false)
      .then((ok) => {
        // Forgotten or stopped meanwhile: the result belongs to nobody.
        if (this.targets.get(key) !== t) return;
        t.verdict = afterCheck(t.verdict, ok, this.settings);
        t.cancel = this.deps.schedule(() => this.check(key, t), this.settings.intervalSeconds * 1000);
      });
  }
}
