import type { LeaseTiming } from '../../runtime/lease/timing.js';
import type { SteadyStateResult } from './lease-steady.js';
import type { FailoverSample, KillSignal } from './lease-watch.js';
import { formatTable, ms, say } from './report.js';
import { percentile } from './stats.js';

/** The goals of issue 3. */
export const GOAL_KILL_FAILOVER_MS = 5_000;
export const GOAL_CALLS_PER_SECOND = 0.5;

export interface FailoverStats {
  n: number;
  /** Trials that never got there; they count at the timeout in the percentiles. */
  timeouts: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  /** The analytic bound the figures are divided by (see boundMs). */
  boundMs: number;
  p50OverBound: number;
  p95OverBound: number;
  maxOverBound: number;
}

export interface FailoverSummary {
  signal: KillSignal;
  trials: number;
  lease: FailoverStats;
  eip: FailoverStats;
  /** SIGTERM only: the victim's release visible in the parameter. */
  release?: FailoverStats;
  /** By SSM's timestamp: when the new holder's claim landed (the lease failover without the polling lag). */
  claimLanded: FailoverStats;
  /** AssociateAddress received by the fake EC2 (exact). */
  associate: FailoverStats;
  /** Claim landed -> AssociateAddress received: the new leader starting its ElasticIp controller and reconciling. */
  claimToAssociate: FailoverStats;
  eipOnNewHolder: number;
  /** Goal (kill -9 only): the address moved within 5 s in every trial. */
  goalMet?: boolean;
}

/**
 * kill -9: a non-holder sees the holder's last renew up to one retry period late and then waits leaseDuration, so
 * leaseDuration + retryPeriod bounds the lease part. SIGTERM: the holder releases on its way out and a non-holder
 * reads the release within one retry period, so retryPeriod is the reference.
 */
export function boundMs(signal: KillSignal, timing: LeaseTiming): number {
  return signal === 'SIGKILL' ? timing.leaseDurationMs + timing.retryPeriodMs : timing.retryPeriodMs;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export function failoverStats(values: readonly (number | undefined)[], timeoutMs: number, bound: number) {
  const sorted = values.map((v) => v ?? timeoutMs).sort((a, b) => a - b);
  const [p50, p95, max] = [percentile(sorted, 50), percentile(sorted, 95), sorted[sorted.length - 1] ?? Number.NaN];
  return {
    n: sorted.length,
    timeouts: values.filter((v) => v === undefined).length,
    p50: r1(p50),
    p95: r1(p95),
    max: r1(max),
    mean: r1(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    boundMs: bound,
    p50OverBound: r3(p50 / bound),
    p95OverBound: r3(p95 / bound),
    maxOverBound: r3(max / bound),
  } satisfies FailoverStats;
}

export function summarizeFailovers(
  samples: readonly FailoverSample[],
  signal: KillSignal,
  opts: { timing: LeaseTiming; timeoutMs: number },
): FailoverSummary {
  const mine = samples.filter((s) => s.signal === signal);
  const bound = boundMs(signal, opts.timing);
  const stats = (values: (number | undefined)[], ref = bound): FailoverStats =>
    failoverStats(values, opts.timeoutMs, ref);
  const gaps = mine.map((s) =>
    s.claimLandedMs !== undefined && s.associateMs !== undefined ? s.associateMs - s.claimLandedMs : undefined,
  );
  const eip = stats(mine.map((s) => s.eipMs));
  return {
    signal,
    trials: mine.length,
    lease: stats(mine.map((s) => s.leaseMs)),
    eip,
    ...(signal === 'SIGTERM' ? { release: stats(mine.map((s) => s.releaseMs)) } : {}),
    claimLanded: stats(mine.map((s) => s.claimLandedMs)),
    associate: stats(mine.map((s) => s.associateMs)),
    // A step inside the failover: no bound applies.
    claimToAssociate: stats(gaps, Number.NaN),
    eipOnNewHolder: mine.filter((s) => s.eipOnNewHolder).length,
    ...(signal === 'SIGKILL' ? { goalMet: eip.timeouts === 0 && eip.max <= GOAL_KILL_FAILOVER_MS } : {}),
  };
}

const label = (signal: KillSignal): string => (signal === 'SIGKILL' ? 'kill -9' : 'SIGTERM');

function row(name: string, s: FailoverStats, goal = ''): (string | number)[] {
  const ratio = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
  const bound = Number.isFinite(s.boundMs) ? String(s.boundMs) : '-';
  const cells = [s.n, s.timeouts, ms(s.p50), ms(s.p95), ms(s.max), ms(s.mean), bound];
  return [name, ...cells.map(String), ratio(s.p50OverBound), ratio(s.p95OverBound), ratio(s.maxOverBound), goal];
}

export function printFailovers(summaries: readonly FailoverSummary[]): void {
  say('\nFailover: signal to the holder -> new effective holder in the lease / address on the new ENI (ms)');
  const rows = summaries.flatMap((s) => {
    const goal = s.goalMet === undefined ? '' : `max <= ${GOAL_KILL_FAILOVER_MS}: ${s.goalMet ? 'met' : 'NOT met'}`;
    return [
      ...(s.release ? [row(`${label(s.signal)}: release visible`, s.release)] : []),
      row(`${label(s.signal)}: new lease holder seen`, s.lease),
      row(`${label(s.signal)}:   claim landed (SSM time)`, s.claimLanded),
      row(`${label(s.signal)}: EIP on new holder seen`, s.eip, goal),
      row(`${label(s.signal)}:   AssociateAddress received`, s.associate),
      row(`${label(s.signal)}:   claim -> AssociateAddress`, s.claimToAssociate),
    ];
  });
  say(
    formatTable([
      ['measure', 'n', 'timeouts', 'p50', 'p95', 'max', 'mean', 'bound', 'p50/b', 'p95/b', 'max/b', 'goal'],
      ...rows,
    ]),
  );
  for (const s of summaries)
    say(`${label(s.signal)}: address ended on the new holder's ENI in ${s.eipOnNewHolder}/${s.trials}`);
}

export function printSteadyState(result: SteadyStateResult): void {
  say(`\nSteady state: SSM calls per instance per second over ${result.windowS} s, nothing changing`);
  say(`holders: ${JSON.stringify(result.holdersAtEnd)}`);
  say(
    formatTable([
      [
        'instance',
        'AZ',
        'leads',
        'calls/s (/metrics)',
        'lease calls/s',
        'scopes',
        'lease calls/s/scope',
        'other calls/s',
        'lease share',
        'goal <= 0.5/s',
      ],
      ...result.members.map((m) => [
        m.instanceId,
        m.availabilityZoneId,
        m.leads.join(' + ') || '-',
        m.metricsCallsPerSecond,
        m.leaseCallsPerSecond,
        m.leaseScopes,
        m.leaseCallsPerScopePerSecond,
        m.otherCallsPerSecond,
        `${(m.leaseShare * 100).toFixed(1)}%`,
        m.metricsCallsPerSecond <= GOAL_CALLS_PER_SECOND ? 'met' : 'NOT met',
      ]),
    ]),
  );
  for (const m of result.members) say(`${m.instanceId}: ${JSON.stringify(m.tapCallsPerSecond)}`);
}
