import { addedLatency, type Added } from './load-schedule.js';
import { throughput, type LoadRun } from './llm-load.js';
import { formatTable, ms } from './report.js';

/** One measured run and the CPU each process spent in it. */
export interface Measured {
  run: LoadRun;
  /** CPU ms of the gateway under test (none for the direct baseline), the upstream and the generator. */
  cpuMs: { gateway?: number; upstream: number; generator: number };
  /** Gateway VmRSS / VmHWM (MiB) after the run. */
  rssMiB?: { now?: number; peak?: number };
}

export const GOALS = { addedP50Ms: 1, addedP99Ms: 5, hitP50Ms: 1 };

/** CPU µs per answered request. */
export function cpuPerRequestUs(cpuMs: number | undefined, m: Measured): number | undefined {
  return cpuMs === undefined || m.run.ok === 0 ? undefined : (cpuMs * 1000) / m.run.ok;
}

const fmt = (v: number | undefined, digits = 2): string =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

/** Requests without a 200 answer (another status, an error or a timeout). */
const failures = (run: LoadRun): number => run.sent - run.ok;

function errorText(run: LoadRun): string {
  const bad = Object.entries(run.statuses).filter(([s]) => s !== '200');
  const parts = [...bad.map(([s, n]) => `${s}x${n}`), ...Object.entries(run.errors).map(([c, n]) => `${c}x${n}`)];
  return parts.length > 0 ? parts.join(' ') : '0';
}

/** Latency at a constant rate, with what each proxy adds over the direct baseline of the same run. */
export function latencyTable(direct: Measured, rows: readonly Measured[]): string {
  const head = ['target', 'ok/sent', 'errors', 'p50', 'p90', 'p99', 'max', '+p50', '+p90', '+p99', '+max'];
  const body = rows.map((m) => {
    const l = m.run.latency;
    const add: Partial<Added> = m === direct ? {} : addedLatency(direct.run.latency, l);
    return [
      m.run.target,
      `${m.run.ok}/${m.run.sent}`,
      errorText(m.run),
      fmt(l.p50),
      fmt(l.p90),
      fmt(l.p99),
      fmt(l.max),
      fmt(add.p50),
      fmt(add.p90),
      fmt(add.p99),
      fmt(add.max),
    ];
  });
  return formatTable([head, ...body]);
}

/**
 * Where the time went: latency from the actual send (without the generator's lag), CPU per request of each process,
 * the generator's own send lag, the cache header seen.
 */
export function cpuTable(rows: readonly Measured[]): string {
  const head = [
    'target',
    'from send p50/p99',
    'gateway µs/req',
    'upstream µs/req',
    'generator µs/req',
    'send lag p50/p99',
    'x-csgw-cache',
  ];
  const body = rows.map((m) => [
    m.run.target,
    `${fmt(m.run.service.p50)}/${fmt(m.run.service.p99)}`,
    fmt(cpuPerRequestUs(m.cpuMs.gateway, m), 0),
    fmt(cpuPerRequestUs(m.cpuMs.upstream, m), 0),
    fmt(cpuPerRequestUs(m.cpuMs.generator, m), 0),
    m.run.sendLag ? `${fmt(m.run.sendLag.p50)}/${fmt(m.run.sendLag.p99)}` : '-',
    Object.entries(m.run.cache)
      .map(([k, n]) => `${k}:${n}`)
      .join(' ') || '-',
  ]);
  return formatTable([head, ...body]);
}

export interface GoalCheck {
  goal: string;
  limitMs: number;
  csgwMs: number;
  portkeyMs?: number;
  met: boolean;
}

/**
 * The goals, met or not, with Portkey's figure for the same quantity where it has one; none without the
 * direct baseline and csgw's misses. A goal counts as met only when every csgw request was answered 200 with the
 * cache result the scenario is about (`miss` for new prompts, `hit` for the repeated one).
 */
export function goalChecks(runs: Readonly<Record<string, Measured>>): GoalCheck[] {
  const { direct, csgw, portkey, 'csgw-hit': hit } = runs;
  if (!direct || !csgw) return [];
  const c = addedLatency(direct.run.latency, csgw.run.latency);
  const p = portkey ? addedLatency(direct.run.latency, portkey.run.latency) : undefined;
  const misses = clean(csgw.run, 'miss');
  const checks: GoalCheck[] = [
    { goal: 'added p50 (cache miss)', limitMs: GOALS.addedP50Ms, csgwMs: c.p50, ...opt(p?.p50), met: misses },
    { goal: 'added p99 (cache miss)', limitMs: GOALS.addedP99Ms, csgwMs: c.p99, ...opt(p?.p99), met: misses },
  ];
  if (hit)
    checks.push({
      goal: 'cache hit p50 (from the send)',
      limitMs: GOALS.hitP50Ms,
      csgwMs: hit.run.service.p50,
      met: clean(hit.run, 'hit'),
    });
  return checks.map((g) => ({ ...g, met: g.met && g.csgwMs <= g.limitMs }));
}

/** Every request answered 200 with this x-csgw-cache result. */
function clean(run: LoadRun, cache: string): boolean {
  return failures(run) === 0 && run.cache[cache] === run.ok;
}

function opt(v: number | undefined): { portkeyMs?: number } {
  return v === undefined ? {} : { portkeyMs: v };
}

export function goalTable(checks: readonly GoalCheck[]): string {
  const head = ['goal', 'limit ms', 'csgw ms', 'portkey ms', 'csgw/portkey', 'met'];
  const body = checks.map((g) => [
    g.goal,
    fmt(g.limitMs, 1),
    fmt(g.csgwMs),
    fmt(g.portkeyMs),
    g.portkeyMs && g.portkeyMs > 0 ? fmt(g.csgwMs / g.portkeyMs) : '-',
    g.met ? 'yes' : 'NO',
  ]);
  return formatTable([head, ...body]);
}

/** Closed-loop saturation: answered req/s, latency under it, the gateway's CPU and memory. */
export function saturationTable(rows: readonly Measured[]): string {
  const head = [
    'target',
    'req/s',
    'errors',
    'p50',
    'p99',
    'gateway CPU %',
    'gateway µs/req',
    'RSS MiB',
    'peak RSS MiB',
  ];
  const body = rows.map((m) => [
    m.run.target,
    throughput(m.run).toFixed(0),
    errorText(m.run),
    ms(m.run.latency.p50),
    ms(m.run.latency.p99),
    m.cpuMs.gateway === undefined ? '-' : ((m.cpuMs.gateway / m.run.elapsedMs) * 100).toFixed(0),
    fmt(cpuPerRequestUs(m.cpuMs.gateway, m), 0),
    fmt(m.rssMiB?.now, 0),
    fmt(m.rssMiB?.peak, 0),
  ]);
  return formatTable([head, ...body]);
}
