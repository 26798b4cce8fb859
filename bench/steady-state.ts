/**
 * Steady-state benchmark: what the real `csgw run` child costs when nothing changes, at its shipped defaults
 * (poll 10 s, resync 30 s, status 10 s) with one converged SourceNat:
 *   - SSM calls per minute, by operation, from the operator's /metrics (csgw_ssm_calls_total), cross-checked with the
 *     requests that really reached the endpoint (SDK retries included);
 *   - the operator's RSS (VmRSS every --sample seconds) against a bare `node -e 'setInterval(()=>{},1000)'` sampled
 *     at the same instants, and both processes' CPU time.
 *
 *   node dist/bench/steady-state.js [--duration 180] [--warmup 20] [--sample 5] [--log-level info] [--out bench/results]
 */
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { createBenchLab } from './lib/lab.js';
import { expectedElements, waitForElements } from './lib/nft.js';
import {
  BENCH_INSTANCE_ID,
  byLabel,
  delta,
  startOperator,
  tail,
  type Metrics,
  type OperatorHandle,
} from './lib/operator.js';
import { readCpuSeconds, readRssMiB } from './lib/proc.js';
import { statusWrites, type StatusWrite } from './lib/status-history.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, say, writeResults } from './lib/report.js';
import { benchCidr, putSourceNat, sourceNatSpec, startBenchSsm, type BenchSsm } from './lib/ssm.js';

const GOAL_CALLS_PER_MIN = 12;
const GOAL_RSS_MB = 150;

interface Options {
  durationS: number;
  warmupS: number;
  sampleS: number;
  logLevel: string;
  out: string;
}

interface RssSample {
  /** Seconds since the operator was ready. */
  tS: number;
  phase: 'warmup' | 'window';
  operatorMiB?: number;
  bareNodeMiB?: number;
}

interface Processes {
  operator: OperatorHandle;
  barePid: number;
}

function parseOptions(): Options {
  const flags = parseFlags({
    duration: '180',
    warmup: '20',
    sample: '5',
    'log-level': 'info',
    out: defaultResultsDir(),
  });
  return {
    durationS: positiveNumber('duration', flags.duration),
    warmupS: positiveNumber('warmup', flags.warmup),
    sampleS: positiveNumber('sample', flags.sample),
    logLevel: flags['log-level'],
    out: flags.out,
  };
}

/** The baseline process: Node itself with a timer keeping it alive, nothing loaded. */
function startBareNode(cleanup: Cleanup): number {
  const child = execa(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { reject: false, stdin: 'ignore' });
  cleanup.add('stop the bare node baseline', async () => {
    child.kill('SIGKILL');
    await child;
  });
  if (child.pid === undefined) throw new Error('bare node baseline did not start');
  return child.pid;
}

/** Samples both processes' RSS every sampleS until `untilMs` (performance.now()). */
async function sampleRss(
  procs: Processes,
  phase: RssSample['phase'],
  timing: { readyAt: number; untilMs: number; sampleS: number },
): Promise<RssSample[]> {
  const samples: RssSample[] = [];
  for (;;) {
    const operatorMiB = await readRssMiB(procs.operator.pid);
    if (operatorMiB === undefined) throw new Error(`operator exited:\n${await tail(procs.operator.logFile)}`);
    const bareNodeMiB = await readRssMiB(procs.barePid);
    samples.push({ tS: Math.round((performance.now() - timing.readyAt) / 1000), phase, operatorMiB, bareNodeMiB });
    const left = timing.untilMs - performance.now();
    if (left <= 0) return samples;
    await delay(Math.min(left, timing.sampleS * 1000));
  }
}

interface WindowStart {
  atMs: number;
  metrics: Metrics;
  tapCount: number;
  operatorCpu: { self: number; children: number };
  bareCpu: { self: number; children: number };
}

async function windowStart(ssm: BenchSsm, procs: Processes): Promise<WindowStart> {
  return {
    atMs: performance.now(),
    metrics: await procs.operator.metrics(),
    tapCount: ssm.tap.records.length,
    operatorCpu: (await readCpuSeconds(procs.operator.pid)) ?? NO_CPU,
    bareCpu: (await readCpuSeconds(procs.barePid)) ?? NO_CPU,
  };
}

const NO_CPU = { self: Number.NaN, children: Number.NaN };

/** CPU seconds over a window -> percent of one core. */
const cpuPercent = (cpuS: number, minutes: number): number => Math.round((cpuS / (minutes * 60)) * 10000) / 100;

const perMinute = (counts: Record<string, number>, minutes: number): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v / minutes) * 100) / 100]));

const sumValues = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function countByOperation(records: readonly { operation: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.operation] = (out[r.operation] ?? 0) + 1;
  return out;
}

async function windowResult(ssm: BenchSsm, procs: Processes, start: WindowStart): Promise<Record<string, unknown>> {
  const end = await windowStart(ssm, procs);
  const minutes = (end.atMs - start.atMs) / 60_000;
  const calls = delta(
    byLabel(start.metrics, 'csgw_ssm_calls_total', 'operation'),
    byLabel(end.metrics, 'csgw_ssm_calls_total', 'operation'),
  );
  const reachedSsm = countByOperation(ssm.tap.records.slice(start.tapCount, end.tapCount));
  const callsPerMin = sumValues(calls) / minutes;
  return {
    windowMinutes: Math.round(minutes * 1000) / 1000,
    ssmCalls: calls,
    ssmCallsPerMin: Math.round(callsPerMin * 100) / 100,
    ssmCallsPerMinByOperation: perMinute(calls, minutes),
    ssmCallsPerSecond: Math.round((callsPerMin / 60) * 1000) / 1000,
    requestsReachingSsm: reachedSsm,
    callsGoal: `<= ${GOAL_CALLS_PER_MIN}/min`,
    callsGoalMet: callsPerMin <= GOAL_CALLS_PER_MIN,
    reconcilePasses: delta(
      byLabel(start.metrics, 'csgw_reconcile_total', 'result'),
      byLabel(end.metrics, 'csgw_reconcile_total', 'result'),
    ),
    operatorCpuPercentOfOneCore: cpuPercent(end.operatorCpu.self - start.operatorCpu.self, minutes),
    // The ip / nft / sysctl processes each observe spawns: part of the operator's cost, not of its own process.
    operatorChildrenCpuPercentOfOneCore: cpuPercent(end.operatorCpu.children - start.operatorCpu.children, minutes),
    bareNodeCpuPercentOfOneCore: cpuPercent(end.bareCpu.self - start.bareCpu.self, minutes),
  };
}

function rssResult(samples: readonly RssSample[]): Record<string, unknown> {
  const window = samples.filter((s) => s.phase === 'window');
  const max = (list: readonly RssSample[], key: 'operatorMiB' | 'bareNodeMiB'): number =>
    Math.max(...list.map((s) => s[key] ?? 0));
  const last = window[window.length - 1];
  const r = (v: number): number => Math.round(v * 10) / 10;
  const operatorMax = max(window, 'operatorMiB');
  return {
    unit: 'MiB (VmRSS kB / 1024)',
    operatorMaxMiB: r(operatorMax),
    operatorLastMiB: r(last?.operatorMiB ?? Number.NaN),
    operatorMaxIncludingStartupMiB: r(max(samples, 'operatorMiB')),
    bareNodeMaxMiB: r(max(window, 'bareNodeMiB')),
    bareNodeLastMiB: r(last?.bareNodeMiB ?? Number.NaN),
    ratioLastOverBareNode: r((last?.operatorMiB ?? Number.NaN) / (last?.bareNodeMiB ?? Number.NaN)),
    ratioMaxOverBareNode: r(operatorMax / max(window, 'bareNodeMiB')),
    rssGoal: `max <= ${GOAL_RSS_MB} MB`,
    // Judged in MB (10^6 bytes), the stricter reading of the goal: 150 MB = 143.05 MiB.
    rssGoalMet: (operatorMax * 1024 * 1024) / 1e6 <= GOAL_RSS_MB,
    samples,
  };
}

function printResults(ssmPart: Record<string, unknown>, rssPart: Record<string, unknown>): void {
  const get = (o: Record<string, unknown>, k: string): string => JSON.stringify(o[k]);
  say('\nSteady state at the default intervals (poll 10 s, resync 30 s, status 10 s), nothing changing');
  say(
    formatTable([
      ['measure', 'value', 'goal', 'met'],
      [
        'SSM calls / min (total)',
        get(ssmPart, 'ssmCallsPerMin'),
        `<= ${GOAL_CALLS_PER_MIN}`,
        get(ssmPart, 'callsGoalMet'),
      ],
      ['SSM calls / min by operation', get(ssmPart, 'ssmCallsPerMinByOperation'), '', ''],
      ['requests reaching SSM (tap)', get(ssmPart, 'requestsReachingSsm'), '', ''],
      ['operator RSS max (MiB)', get(rssPart, 'operatorMaxMiB'), `<= ${GOAL_RSS_MB} MB`, get(rssPart, 'rssGoalMet')],
      ['operator RSS last (MiB)', get(rssPart, 'operatorLastMiB'), '', ''],
      ['operator RSS max incl. start-up (MiB)', get(rssPart, 'operatorMaxIncludingStartupMiB'), '', ''],
      [
        'bare node RSS max / last (MiB)',
        `${get(rssPart, 'bareNodeMaxMiB')} / ${get(rssPart, 'bareNodeLastMiB')}`,
        '',
        '',
      ],
      ['operator / bare node RSS (last)', get(rssPart, 'ratioLastOverBareNode'), '', ''],
      ['operator / bare node RSS (max)', get(rssPart, 'ratioMaxOverBareNode'), '', ''],
      ['operator CPU (% of one core)', get(ssmPart, 'operatorCpuPercentOfOneCore'), '', ''],
      ['operator children CPU (% of one core)', get(ssmPart, 'operatorChildrenCpuPercentOfOneCore'), '', ''],
      ['bare node CPU (% of one core)', get(ssmPart, 'bareNodeCpuPercentOfOneCore'), '', ''],
      ['reconcile passes in window', get(ssmPart, 'reconcilePasses'), '', ''],
    ]),
  );
  const writes = (ssmPart.statusWritesInWindow ?? []) as StatusWrite[];
  for (const w of writes) say(`status write v${w.version} at ${w.at} changed:\n  ${w.changed.join('\n  ')}`);
}

async function main(cleanup: Cleanup): Promise<void> {
  const opts = parseOptions();
  const machineAtStart = machineInfo();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ssm = await startBenchSsm(cleanup);
  const lab = await createBenchLab(cleanup);
  const cidr = benchCidr(0);
  await putSourceNat(ssm.client, sourceNatSpec(cidr));
  const barePid = startBareNode(cleanup);
  // No interval flags: the shipped defaults are what is being measured.
  const operator = await startOperator(cleanup, {
    netns: lab.gatewayNs,
    endpointUrl: ssm.tap.url,
    runFlags: [],
    logDir: ssm.workDir,
    logLevel: opts.logLevel,
    label: 'defaults',
  });
  const procs = { operator, barePid };
  if (!(await waitForElements(lab.gatewayNs, expectedElements([cidr]), { intervalMs: 50, timeoutMs: 30_000 })))
    throw new Error(`SourceNat never converged:\n${await tail(operator.logFile)}`);
  const readyAt = performance.now();
  say(`converged in ${lab.gatewayNs}; warm-up ${opts.warmupS} s, then a ${opts.durationS} s window`);
  // The warm-up lets the post-start status write and the first resync happen outside the window.
  const timing = { readyAt, sampleS: opts.sampleS };
  const warm = await sampleRss(procs, 'warmup', { ...timing, untilMs: readyAt + opts.warmupS * 1000 });
  const start = await windowStart(ssm, procs);
  const window = await sampleRss(procs, 'window', { ...timing, untilMs: start.atMs + opts.durationS * 1000 });
  const ssmPart = await windowResult(ssm, procs, start);
  // Epoch ms of the window start: SSM stamps versions with the wall clock.
  ssmPart.statusWritesInWindow = await statusWrites(
    ssm.client,
    BENCH_INSTANCE_ID,
    Date.now() - (performance.now() - start.atMs),
  );
  const rssPart = rssResult([...warm, ...window]);
  printResults(ssmPart, rssPart);
  const file = await writeResults(opts.out, 'steady-state', {
    benchmark: 'steady-state',
    date: new Date().toISOString(),
    code: await codeVersion(),
    machineAtStart,
    machineAtEnd: machineInfo(),
    options: opts,
    ssm: ssmPart,
    rss: rssPart,
  });
  say(`\nresults: ${file}`);
}

await runBenchmark(main);
