/**
 * Convergence benchmark: how long after a PutParameter of a changed SourceNat spec the new table is live in the
 * kernel, for the real `csgw run` child with push (change events from the embedded endpoint's queue, default
 * settings) and polling only at each given --poll-interval, with the kernel apply alone (`nft -f` of the same
 * transaction) measured in the same run as the baseline, and the SSM reads per minute of each.
 *
 *   node dist/bench/convergence.js [--push-changes 100] [--push-pause-ms 2000] [--poll-intervals 1,10]
 *                                  [--changes 100,50] [--quick 30] [--detect poll|monitor] [--probe-ms 5]
 *                                  [--log-level debug] [--out bench/results]
 *
 * Polling: changes are spaced by a random fraction of the poll interval, so they land at uniformly random phases of
 * the operator's poll cycle: the expected latency is then ~U(0, P) of waiting for the next poll plus a constant
 * reconcile cost, and the goal is p99 <= P + 200 ms. Push: changes are spaced by a random pause up to
 * --push-pause-ms; the goal is p99 <= 1 s. --quick N: N changes per mode. --push-changes 0 skips push.
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { numberList, parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { createBenchLab } from './lib/lab.js';
import { startSetMonitor, type SetMonitor } from './lib/monitor.js';
import {
  expectedElements,
  probeExcludeSet,
  timeDirectApply,
  timeObserveCommands,
  waitForElements,
  writeLiveTableTransaction,
  type Detection,
} from './lib/nft.js';
import { byLabel, delta, startOperator, tail, type Metrics, type OperatorHandle } from './lib/operator.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, ms, say, writeResults } from './lib/report.js';
import { benchCidr, putSourceNat, sourceNatSpec, startBenchSsm, type BenchSsm } from './lib/ssm.js';
import { busyPercent, readMachineCpu } from './lib/proc.js';
import { passAfter, readPasses, toEpochMs, type PassTimes } from './lib/phases.js';
import { rounded, summarize, type Summary } from './lib/stats.js';

/** Reconcile overhead the goal allows on top of the poll interval. */
const GOAL_OVERHEAD_MS = 200;
/** Issue 17's goal for push at default settings. */
const PUSH_GOAL_MS = 1_000;
/** With push, the fallback interval at default settings: what bounds a change's wait if an event were lost. */
const PUSH_FALLBACK_S = 10;
/** Longer than a verify pass (~60 ms here), so metrics scraped after it count the last change. */
const SETTLE_MS = 1_000;

interface Options {
  intervalsS: number[];
  changes: number[];
  pushChanges: number;
  pushPauseMs: number;
  /** poll: `nft list set` every probeMs (the specified method); monitor: `nft monitor` events (no probing load). */
  detect: 'poll' | 'monitor';
  probeMs: number;
  logLevel: string;
  out: string;
}

interface Context {
  ssm: BenchSsm;
  ns: string;
  opts: Options;
  monitor?: SetMonitor;
  /** Global change counter: every PutParameter of the run carries a different CIDR. */
  next: number;
}

/** One measured change; all times in ms on this process's performance.now() clock. */
interface ChangeSample {
  k: number;
  cidr: string;
  /** Random pause before this change, a fraction of the poll interval. */
  pauseMs: number;
  putMs: number;
  /** PutParameter start -> first probe that saw the new set (undefined: timed out). */
  latencyMs?: number;
  /** PutParameter start -> the operator's GetParametersByPath that picked the change up. */
  pollWaitMs?: number;
  /** That GetParametersByPath -> the new set seen in the kernel (list, decode, observe, nft commit, detection). */
  listToKernelMs?: number;
  listRpcMs?: number;
  probes: number;
  probeMeanMs: number;
  /** `nft -j -f` of the same transaction, timed alone (the kernel-apply baseline). */
  directApplyMs?: number;
  /** The observe's seven commands run in parallel from this process (the observe baseline). */
  directObserveMs?: number;
  /** Raw instants (performance.now() ms) used to find the operator's pass in its log. */
  at: { putStart: number; pickup?: number; detected?: number };
  /** From the operator's debug log: the pass that applied this change, split into its steps (ms). */
  phases?: OperatorPhases;
}

interface OperatorPhases {
  /** List RPC start -> the pass starts observing (list RPC, snapshot diff, decode and validation). */
  listToObserving: number;
  /** Observe: nft list table, four sysctls, ip route, ip addr, all through `ip netns exec`. */
  observe: number;
  /** Commit: temp file + `ip netns exec nft -j -f` + clean-up, until the machine enters verifying. */
  commit: number;
  /** Verify (after the change is already live, so not part of the latency): the same observe again. */
  verify?: number;
}

function parseOptions(): Options {
  const flags = parseFlags({
    'poll-intervals': '1,10',
    changes: '100,50',
    'push-changes': '100',
    'push-pause-ms': '2000',
    quick: '0',
    detect: 'poll',
    'probe-ms': '5',
    // debug: the operator then logs each reconcile phase, which splits its part of the latency into steps.
    'log-level': 'debug',
    out: defaultResultsDir(),
  });
  const intervalsS = numberList('poll-intervals', flags['poll-intervals']);
  // --quick N: N changes in every mode (a first look in minutes rather than the hour the defaults take).
  const quick = Math.round(Number(flags.quick));
  if (!(quick >= 0)) throw new Error(`--quick must be a count of changes, got "${flags.quick}"`);
  const changes = quick > 0 ? intervalsS.map(() => quick) : numberList('changes', flags.changes).map(Math.round);
  if (changes.length !== intervalsS.length) throw new Error('--changes needs one count per --poll-intervals entry');
  const detect = flags.detect;
  if (detect !== 'poll' && detect !== 'monitor') throw new Error('--detect must be poll or monitor');
  return {
    intervalsS,
    changes,
    pushChanges: quick > 0 ? quick : Math.round(Number(flags['push-changes'])),
    pushPauseMs: positiveNumber('push-pause-ms', flags['push-pause-ms']),
    detect,
    probeMs: positiveNumber('probe-ms', flags['probe-ms']),
    logLevel: flags['log-level'],
    out: flags.out,
  };
}

/** When the expected set went live, by whichever detector the run uses. */
async function detect(
  ctx: Context,
  expected: string[],
  sinceMs: number,
  timeoutMs: number,
): Promise<Detection | undefined> {
  if (!ctx.monitor) return waitForElements(ctx.ns, expected, { intervalMs: ctx.opts.probeMs, timeoutMs });
  const at = await ctx.monitor.waitFor(expected, sinceMs, timeoutMs);
  if (at === undefined) return undefined;
  // The notification says a transaction with these elements committed; one (untimed) probe confirms it is live.
  const probe = await probeExcludeSet(ctx.ns);
  if (JSON.stringify(probe.elements) !== JSON.stringify(expected))
    throw new Error(`nft monitor saw ${expected.join(',')} but the set holds ${JSON.stringify(probe.elements)}`);
  return { detectedMs: at, probeStartMs: at, probes: 0, probeDurationsMs: [] };
}

/** The change: PutParameter, then poll the kernel until the new set is there, then the baseline apply. */
async function measureChange(ctx: Context, pollMs: number, pauseMs: number): Promise<ChangeSample> {
  const k = ctx.next++;
  const cidr = benchCidr(k);
  const t0 = performance.now();
  await putSourceNat(ctx.ssm.client, sourceNatSpec(cidr));
  const putMs = performance.now() - t0;
  const detection = await detect(ctx, expectedElements([cidr]), t0, 3 * pollMs + 30_000);
  const at = { putStart: t0, ...(detection ? { detected: detection.detectedMs } : {}) };
  const base = { k, cidr, pauseMs, putMs, probes: detection?.probes ?? 0, probeMeanMs: 0, at };
  if (!detection) return base;
  base.probeMeanMs = summarize(detection.probeDurationsMs).mean;
  // The last list that started before the set changed is the one that picked the change up: polls are >= 1 s apart
  // while reconciling takes tens of ms, and nothing else makes the operator list.
  const lists = ctx.ssm.tap.between('GetParametersByPath', t0 - 60_000, detection.detectedMs);
  const pickup = lists[lists.length - 1];
  const pickedUp = pickup && pickup.endMs >= t0 ? pickup : undefined;
  const file = await writeLiveTableTransaction(ctx.ns, ctx.ssm.workDir);
  return {
    ...base,
    at: { ...at, ...(pickedUp ? { pickup: pickedUp.startMs } : {}) },
    latencyMs: detection.detectedMs - t0,
    ...(pickedUp
      ? {
          pollWaitMs: Math.max(0, pickedUp.startMs - t0),
          listToKernelMs: detection.detectedMs - Math.max(pickedUp.startMs, t0),
          listRpcMs: pickedUp.endMs - pickedUp.startMs,
        }
      : {}),
    directApplyMs: await timeDirectApply(ctx.ns, file),
    directObserveMs: await timeObserveCommands(ctx.ns),
  };
}

/** One way of running the operator: push at default settings, or polling only at one interval. */
interface Mode {
  label: string;
  runFlags: string[];
  /** The full-list interval a change may have to wait for (push: the fallback one): bounds the timeouts. */
  pollS: number;
  /** Changes are spaced by a random pause up to this. */
  maxPauseMs: number;
  goalMs: number;
  changes: number;
}

function modes(opts: Options): Mode[] {
  const push: Mode = {
    label: 'push',
    // Default settings: the embedded endpoint's csgw-changes queue, full list every 60 s, fallback every 10 s.
    runFlags: [],
    pollS: PUSH_FALLBACK_S,
    maxPauseMs: opts.pushPauseMs,
    goalMs: PUSH_GOAL_MS,
    changes: opts.pushChanges,
  };
  const polling = opts.intervalsS.map((pollS, i): Mode => ({
    label: `poll ${pollS} s`,
    runFlags: ['--poll-interval', String(pollS), '--changes-queue', 'none'],
    pollS,
    maxPauseMs: pollS * 1000,
    goalMs: pollS * 1000 + GOAL_OVERHEAD_MS,
    changes: opts.changes[i] ?? 50,
  }));
  return [...(opts.pushChanges > 0 ? [push] : []), ...polling];
}

interface IntervalResult {
  mode: string;
  pollIntervalS: number;
  /** GetParametersByPath calls per minute while the changes were made (the operator's own counter). */
  ssmReadsPerMinute: number;
  changes: number;
  timeouts: number;
  goal: string;
  goalMet: boolean;
  latencyMs: Summary;
  p99OverP: number;
  overheadP99Ms: number;
  pollWaitMs: Summary;
  listToKernelMs: Summary;
  listRpcMs: Summary;
  directApplyMs: Summary;
  directObserveMs: Summary;
  probeMs: Summary;
  putMs: Summary;
  /** Mean poll wait / mean latency: the share of the latency that is waiting for the next poll. */
  pollingShare: number;
  /** From the operator's debug log; n = 0 when it ran at another log level. */
  operatorPhasesMs: Record<keyof OperatorPhases, Summary>;
  operator: {
    reconcilePasses: Record<string, number>;
    meanPassMs: number;
    ssmCalls: Record<string, number>;
    /** Processes the controllers started during the measured changes, by program (csgw_process_spawns_total). */
    spawns: Record<string, number>;
  };
  warmup: ChangeSample;
  samples: ChangeSample[];
  wallClockS: number;
  /** Whole-machine CPU busy % during the measured changes, and the 1-minute load average before and after. */
  machine: { cpuBusyPercent: number; load1mStart: number; load1mEnd: number };
}

/** Matches each change to the operator pass that applied it (the first to start observing after its list). */
function attachPhases(samples: ChangeSample[], passes: readonly PassTimes[]): void {
  for (const sample of samples) {
    if (sample.at.pickup === undefined || sample.at.detected === undefined) continue;
    const listEpoch = toEpochMs(sample.at.pickup);
    const pass = passAfter(passes, listEpoch);
    if (!pass?.applyingAt || !pass.verifyingAt || pass.observingAt > toEpochMs(sample.at.detected)) continue;
    sample.phases = {
      listToObserving: pass.observingAt - listEpoch,
      observe: pass.applyingAt - pass.observingAt,
      commit: pass.verifyingAt - pass.applyingAt,
      ...(pass.convergedAt !== undefined ? { verify: pass.convergedAt - pass.verifyingAt } : {}),
    };
  }
}

function phaseSummaries(samples: readonly ChangeSample[]): Record<keyof OperatorPhases, Summary> {
  const of = (key: keyof OperatorPhases): Summary => rounded(summarize(defined(samples.map((s) => s.phases?.[key]))));
  return { listToObserving: of('listToObserving'), observe: of('observe'), commit: of('commit'), verify: of('verify') };
}

function defined(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}

function operatorDelta(m0: Metrics, m1: Metrics): IntervalResult['operator'] {
  const sum = delta(
    byLabel(m0, 'csgw_reconcile_duration_seconds_sum', 'controller'),
    byLabel(m1, 'csgw_reconcile_duration_seconds_sum', 'controller'),
  );
  const count = delta(
    byLabel(m0, 'csgw_reconcile_duration_seconds_count', 'controller'),
    byLabel(m1, 'csgw_reconcile_duration_seconds_count', 'controller'),
  );
  const passes = count.SourceNat ?? 0;
  return {
    reconcilePasses: delta(
      byLabel(m0, 'csgw_reconcile_total', 'result'),
      byLabel(m1, 'csgw_reconcile_total', 'result'),
    ),
    meanPassMs: passes > 0 ? ((sum.SourceNat ?? 0) / passes) * 1000 : Number.NaN,
    ssmCalls: delta(byLabel(m0, 'csgw_ssm_calls_total', 'operation'), byLabel(m1, 'csgw_ssm_calls_total', 'operation')),
    spawns: delta(
      byLabel(m0, 'csgw_process_spawns_total', 'program'),
      byLabel(m1, 'csgw_process_spawns_total', 'program'),
    ),
  };
}

function summarizeInterval(
  mode: Mode,
  samples: ChangeSample[],
  extra: Pick<IntervalResult, 'operator' | 'warmup' | 'wallClockS' | 'machine' | 'ssmReadsPerMinute'>,
): IntervalResult {
  const pollS = mode.pollS;
  const pollMs = pollS * 1000;
  const timeoutMs = 3 * pollMs + 30_000;
  // A timed-out change counts at the timeout: it can only make the percentiles worse, never hide a miss.
  const latency = summarize(samples.map((s) => s.latencyMs ?? timeoutMs));
  const pollWait = summarize(defined(samples.map((s) => s.pollWaitMs)));
  return {
    mode: mode.label,
    pollIntervalS: pollS,
    changes: samples.length,
    timeouts: samples.filter((s) => s.latencyMs === undefined).length,
    goal: `p99 <= ${mode.goalMs} ms`,
    goalMet: latency.p99 <= mode.goalMs,
    latencyMs: rounded(latency),
    p99OverP: Math.round((latency.p99 / pollMs) * 1000) / 1000,
    overheadP99Ms: Math.round(latency.p99 - pollMs),
    pollWaitMs: rounded(pollWait),
    listToKernelMs: rounded(summarize(defined(samples.map((s) => s.listToKernelMs)))),
    listRpcMs: rounded(summarize(defined(samples.map((s) => s.listRpcMs)))),
    directApplyMs: rounded(summarize(defined(samples.map((s) => s.directApplyMs)))),
    directObserveMs: rounded(summarize(defined(samples.map((s) => s.directObserveMs)))),
    probeMs: rounded(summarize(samples.map((s) => s.probeMeanMs))),
    putMs: rounded(summarize(samples.map((s) => s.putMs))),
    pollingShare: Math.round((pollWait.mean / latency.mean) * 1000) / 1000,
    operatorPhasesMs: phaseSummaries(samples),
    ...extra,
    samples,
  };
}

async function runInterval(ctx: Context, cleanup: Cleanup, mode: Mode): Promise<IntervalResult> {
  const pollMs = mode.pollS * 1000;
  const n = mode.changes;
  say(`\n== ${mode.label}: ${n} changes (about ${Math.ceil((n * mode.maxPauseMs) / 60_000)} min)`);
  const operator = await startOperator(cleanup, {
    netns: ctx.ns,
    endpointUrl: ctx.ssm.tap.url,
    runFlags: mode.runFlags,
    logDir: ctx.ssm.workDir,
    logLevel: ctx.opts.logLevel,
    label: mode.label.replace(/ /g, '-'),
  });
  const started = performance.now();
  let measured: Pick<IntervalResult, 'samples' | 'warmup' | 'operator' | 'machine' | 'ssmReadsPerMinute'>;
  try {
    // The first change after start-up pays for JIT warm-up and first-time sysctl writes: reported, not measured.
    const warmup = await measureChange(ctx, pollMs, 0);
    if (warmup.latencyMs === undefined) throw new Error(`warm-up change not applied:\n${await tail(operator.logFile)}`);
    // The set is live before the pass that wrote it has verified and counted itself: let it finish before each scrape.
    await delay(SETTLE_MS);
    const m0 = await operator.metrics();
    if (mode.label === 'push') checkPush(m0);
    const [cpu0, load0, since] = [await readMachineCpu(), loadavg()[0] ?? Number.NaN, performance.now()];
    const samples = await measureChanges(ctx, operator, mode, n);
    const machine = { cpuBusyPercent: busyPercent(cpu0, await readMachineCpu()), load1mStart: load0 };
    await delay(SETTLE_MS);
    const minutes = (performance.now() - since) / 60_000;
    const operatorCounts = operatorDelta(m0, await operator.metrics());
    measured = {
      samples,
      warmup,
      operator: operatorCounts,
      machine: { ...machine, load1mEnd: loadavg()[0] ?? Number.NaN },
      ssmReadsPerMinute: Math.round(((operatorCounts.ssmCalls.GetParametersByPath ?? 0) / minutes) * 10) / 10,
    };
  } finally {
    await operator.stop();
  }
  // Read once the operator has exited, so its log is complete.
  attachPhases(measured.samples, await readPasses(operator.logFile));
  const wallClockS = Math.round((performance.now() - started) / 1000);
  return summarizeInterval(mode, measured.samples, { ...measured, wallClockS });
}

/** A push run that silently fell back to polling would measure polling: refuse it. */
function checkPush(metrics: Metrics): void {
  if (byLabel(metrics, 'csgw_change_mechanism', 'mechanism').push !== 1)
    throw new Error('push mode: the operator is not on push (csgw_change_mechanism{mechanism="push"} is not 1)');
}

async function measureChanges(ctx: Context, operator: OperatorHandle, mode: Mode, n: number): Promise<ChangeSample[]> {
  const samples: ChangeSample[] = [];
  for (let i = 0; i < n; i++) {
    const pauseMs = Math.random() * mode.maxPauseMs;
    await delay(pauseMs);
    const sample = await measureChange(ctx, mode.pollS * 1000, pauseMs);
    samples.push(sample);
    if (sample.latencyMs === undefined) say(`  change ${i + 1}: TIMED OUT\n${await tail(operator.logFile, 5)}`);
    else if ((i + 1) % 10 === 0 || i + 1 === n) say(`  ${i + 1}/${n} changes, last ${ms(sample.latencyMs)} ms`);
  }
  return samples;
}

function printResults(results: IntervalResult[]): void {
  say('\nConvergence: PutParameter -> new exclude_daddrs set live in the kernel (ms)');
  say(
    formatTable([
      ['mode', 'n', 'p50', 'p90', 'p99', 'max', 'timeouts', 'SSM reads/min', 'goal', 'met'],
      ...results.map((r) => [
        r.mode,
        r.changes,
        ms(r.latencyMs.p50),
        ms(r.latencyMs.p90),
        ms(r.latencyMs.p99),
        ms(r.latencyMs.max),
        r.timeouts,
        r.ssmReadsPerMinute,
        r.goal,
        r.goalMet ? 'yes' : 'NO',
      ]),
    ]),
  );
  say('\nWhere the time goes (ms)');
  const row = (label: string, s: Summary): (string | number)[] => [
    label,
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
    ms(s.mean),
  ];
  say(
    formatTable([
      ['P / component', 'p50', 'p90', 'p99', 'max', 'mean'],
      ...results.flatMap((r) => [
        row(`${r.mode}: waiting for the read (put -> list)`, r.pollWaitMs),
        row(`${r.mode}: list -> set live in kernel`, r.listToKernelMs),
        row(`${r.mode}:   of which the list RPC`, r.listRpcMs),
        row(`${r.mode}:   list -> observing (operator log)`, r.operatorPhasesMs.listToObserving),
        row(`${r.mode}:   observe (operator log)`, r.operatorPhasesMs.observe),
        row(`${r.mode}:   commit (operator log)`, r.operatorPhasesMs.commit),
        row(`${r.mode}: verify, after the change (operator log)`, r.operatorPhasesMs.verify),
        row(`${r.mode}: baseline direct nft -j -f`, r.directApplyMs),
        row(`${r.mode}: baseline observe commands`, r.directObserveMs),
        row(`${r.mode}: probe (detection resolution)`, r.probeMs),
        row(`${r.mode}: PutParameter`, r.putMs),
      ]),
    ]),
  );
  for (const r of results)
    say(
      `${r.mode}: share of the mean latency spent waiting for the read ${(r.pollingShare * 100).toFixed(1)}%, ` +
        `operator mean reconcile pass ${ms(r.operator.meanPassMs)} ms, passes ${JSON.stringify(r.operator.reconcilePasses)}, ` +
        `SSM calls ${JSON.stringify(r.operator.ssmCalls)}, wall clock ${r.wallClockS} s, ` +
        `machine CPU busy ${r.machine.cpuBusyPercent}% (load ${r.machine.load1mStart.toFixed(2)} -> ${r.machine.load1mEnd.toFixed(2)})`,
    );
}

async function main(cleanup: Cleanup): Promise<void> {
  const opts = parseOptions();
  const machineAtStart = machineInfo();
  // Same as csgw's own main: the SDK's multi-line Node 20 notice would break up the benchmark's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ssm = await startBenchSsm(cleanup);
  const lab = await createBenchLab(cleanup);
  const ctx: Context = { ssm, ns: lab.gatewayNs, opts, next: 0 };
  if (opts.detect === 'monitor') ctx.monitor = await startSetMonitor(cleanup, lab.gatewayNs);
  const how = opts.detect === 'monitor' ? 'nft monitor events' : `a probe every ${opts.probeMs} ms`;
  say(`gateway namespace ${lab.gatewayNs}, embedded SSM behind tap ${ssm.tap.url}, detection by ${how}`);
  // The spec exists before the operator starts, as on a gateway that reboots into an already configured fleet.
  await putSourceNat(ssm.client, sourceNatSpec(benchCidr(ctx.next++)));
  const results: IntervalResult[] = [];
  for (const mode of modes(opts)) results.push(await runInterval(ctx, cleanup, mode));
  printResults(results);
  const file = await writeResults(opts.out, 'convergence', {
    benchmark: 'convergence',
    date: new Date().toISOString(),
    code: await codeVersion(),
    machineAtStart,
    machineAtEnd: machineInfo(),
    options: opts,
    results,
  });
  say(`\nresults: ${file}`);
}

await runBenchmark(main);
