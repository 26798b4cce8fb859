/**
 * Lease failover benchmark: N real `csgw run` processes elect a leader over the SSM lease parameters (embedded SSM
 * in this process) and the leader keeps the master Elastic IP on its ENI (fake EC2 in this process).
 *   - Failover: kill -9 (and, alternately, SIGTERM) the holder of the effective cluster record at a random point of
 *     its renew cycle; time until a new effective holder is in the parameter and until the address is on the new
 *     holder's ENI, both polled by this process every --poll-ms. The victim is restarted and the cluster allowed to
 *     settle before the next trial.
 *   - Steady state: SSM calls per instance per second with nothing changing, lease calls split from the rest.
 *
 *   node dist/bench/lease-failover.js [--instances 3] [--azs 2] [--trials 10] [--steady 60] [--warmup 10]
 *       [--lease-duration 3] [--lease-renew-deadline 2.6] [--lease-retry-period 2] [--poll-ms 20]
 *       [--log-level info] [--out bench/results]
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { elasticIpKind } from '../crds-equivalent/elastic-ip.js';
import { DEFAULT_PREFIX } from '../runtime/config.js';
import { checkLeaseTiming, type LeaseTiming } from '../runtime/lease/timing.js';
import { gatewayPaths, leasePath, specPath, type GatewayPaths } from '../runtime/paths.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import {
  BENCH_ALLOCATION_ID,
  createNamespaces,
  memberIdentities,
  restartMember,
  startBenchEc2,
  startMember,
  type Member,
  type MemberOptions,
} from './lib/cluster.js';
import { printFailovers, printSteadyState, summarizeFailovers } from './lib/lease-report.js';
import { measureSteadyState } from './lib/lease-steady.js';
import {
  measureFailover,
  stratifiedPhases,
  waitSteady,
  type FailoverSample,
  type KillSignal,
  type Watch,
} from './lib/lease-watch.js';
import { busyPercent, readMachineCpu } from './lib/proc.js';
import { codeVersion, defaultResultsDir, machineInfo, ms, say, writeResults } from './lib/report.js';
import { BENCH_GATEWAY, startBenchSsm } from './lib/ssm.js';

/** Start-up or a restart plus a claim and a renew take a few retry periods; this is far beyond that. */
const STEADY_TIMEOUT_MS = 60_000;

interface Options {
  instances: number;
  azs: number;
  trials: number;
  steadyS: number;
  warmupS: number;
  timing: LeaseTiming;
  pollMs: number;
  logLevel: string;
  out: string;
}

function parseOptions(): Options {
  const flags = parseFlags({
    instances: '3',
    azs: '2',
    trials: '10',
    steady: '60',
    warmup: '10',
    'lease-duration': '3',
    'lease-renew-deadline': '2.6',
    'lease-retry-period': '2',
    'poll-ms': '20',
    'log-level': 'info',
    out: defaultResultsDir(),
  });
  const secondsToMs = (flag: keyof typeof flags): number => Math.round(positiveNumber(flag, flags[flag]) * 1000);
  const timing = {
    leaseDurationMs: secondsToMs('lease-duration'),
    renewDeadlineMs: secondsToMs('lease-renew-deadline'),
    retryPeriodMs: secondsToMs('lease-retry-period'),
  };
  const errors = checkLeaseTiming(timing);
  if (errors.length > 0) throw new Error(`lease timing: ${errors.join('; ')}`);
  const instances = Math.round(positiveNumber('instances', flags.instances));
  if (instances < 2) throw new Error('--instances must be at least 2: a failover needs somebody to fail over to');
  return {
    instances,
    azs: Math.round(positiveNumber('azs', flags.azs)),
    trials: Math.round(positiveNumber('trials', flags.trials)),
    steadyS: positiveNumber('steady', flags.steady),
    warmupS: positiveNumber('warmup', flags.warmup),
    timing,
    pollMs: positiveNumber('poll-ms', flags['poll-ms']),
    logLevel: flags['log-level'],
    out: flags.out,
  };
}

/** A trial that exceeds this counts as a timeout: three times the kill -9 bound, plus slack for a loaded machine. */
const trialTimeoutMs = (t: LeaseTiming): number => 3 * (t.leaseDurationMs + t.retryPeriodMs) + 10_000;

/** The lease parameters: the cluster scope and one per AZ the members live in. */
function leaseNames(paths: GatewayPaths, members: readonly Member[]): Record<string, string> {
  const scopes = ['cluster', ...new Set(members.map((m) => `az/${m.identity.availabilityZoneId}`))];
  return Object.fromEntries(scopes.map((scope) => [scope, leasePath(paths, scope)]));
}

interface TrialsResult {
  samples: FailoverSample[];
  /** Epochs of the successive new holders: they must strictly increase (ADR 0005). */
  epochsIncrease: boolean;
  machine: { cpuBusyPercent: number; load1mStart: number; load1mEnd: number };
}

/**
 * kill -9 and SIGTERM alternate, so both see the same machine load over the run. Each signal gets its own stratified
 * random phases of the renew cycle.
 */
async function runTrials(ctx: { cleanup: Cleanup; watch: Watch; memberOpts: MemberOptions; opts: Options }) {
  const { watch, opts } = ctx;
  const samples: FailoverSample[] = [];
  const [cpu0, load1mStart] = [await readMachineCpu(), loadavg()[0] ?? Number.NaN];
  const phases = { SIGKILL: stratifiedPhases(opts.trials), SIGTERM: stratifiedPhases(opts.trials) };
  for (let i = 0; i < 2 * opts.trials; i++) {
    const signal: KillSignal = i % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
    const steady = await waitSteady(watch, STEADY_TIMEOUT_MS);
    // A random point of the renew cycle: kills right after a renew are the worst case for kill -9.
    await delay((phases[signal][Math.floor(i / 2)] ?? Math.random()) * opts.timing.retryPeriodMs);
    const sample = await measureFailover(watch, steady, signal, trialTimeoutMs(opts.timing));
    samples.push(sample);
    say(
      `  ${i + 1}/${2 * opts.trials} ${signal} ${sample.victim} (${ms(sample.killAfterRenewMs)} ms after a renew): ` +
        `lease ${ms(sample.leaseMs ?? Number.NaN)} ms, EIP ${ms(sample.eipMs ?? Number.NaN)} ms -> ${sample.newHolder ?? 'nobody'}`,
    );
    await restartMember(ctx.cleanup, steady.holder, ctx.memberOpts);
  }
  const epochs = samples.map((s) => s.newEpoch ?? Number.NaN);
  return {
    samples,
    epochsIncrease: epochs.every((e, i) => i === 0 || e > (epochs[i - 1] ?? Number.NaN)),
    machine: {
      cpuBusyPercent: busyPercent(cpu0, await readMachineCpu()),
      load1mStart,
      load1mEnd: loadavg()[0] ?? Number.NaN,
    },
  } satisfies TrialsResult;
}

async function main(cleanup: Cleanup): Promise<void> {
  const opts = parseOptions();
  const machineAtStart = machineInfo();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ssm = await startBenchSsm(cleanup);
  const paths = gatewayPaths(DEFAULT_PREFIX, BENCH_GATEWAY);
  // The one cluster-scoped resource: only the cluster lease holder associates the address.
  await ssm.client.send(
    new PutParameterCommand({
      Name: specPath(paths, elasticIpKind, elasticIpKind.singletonName ?? 'master'),
      Value: JSON.stringify({ allocationId: BENCH_ALLOCATION_ID }),
      Type: 'String',
      Overwrite: true,
    }),
  );
  const identities = memberIdentities(opts.instances, opts.azs, await createNamespaces(cleanup, opts.instances));
  const ec2 = await startBenchEc2(cleanup, ssm.workDir, identities);
  // The members' taps relay to the shared tap, which counts everything that reached SSM as a cross-check.
  const memberOpts = {
    ssmUrl: ssm.tap.url,
    ec2Url: ec2.url,
    timing: opts.timing,
    logDir: ssm.workDir,
    logLevel: opts.logLevel,
  };
  const members = await Promise.all(identities.map((identity) => startMember(cleanup, identity, memberOpts)));
  const leaseName = leasePath(paths, 'cluster');
  const watch = { client: ssm.client, leaseName, ec2: ec2.server, members, pollMs: opts.pollMs };
  const first = await waitSteady(watch, STEADY_TIMEOUT_MS);
  say(
    `${opts.instances} members up, ${first.holder.identity.instanceId} holds the cluster lease; logs in ${ssm.workDir}`,
  );
  await delay(opts.warmupS * 1000);
  const steadyState = await measureSteadyState(ssm.client, members, {
    windowS: opts.steadyS,
    gatewayRoot: paths.root,
    leaseNames: leaseNames(paths, members),
  });
  printSteadyState(steadyState);
  say(`\n${opts.trials} kill -9 and ${opts.trials} SIGTERM trials, alternating`);
  const trials = await runTrials({ cleanup, watch, memberOpts, opts });
  const summaryOpts = { timing: opts.timing, timeoutMs: trialTimeoutMs(opts.timing) };
  const failovers = (['SIGKILL', 'SIGTERM'] as const).map((s) => summarizeFailovers(trials.samples, s, summaryOpts));
  printFailovers(failovers);
  say(`epochs strictly increasing: ${trials.epochsIncrease}; machine ${JSON.stringify(trials.machine)}`);
  const file = await writeResults(opts.out, 'lease-failover', {
    benchmark: 'lease-failover',
    date: new Date().toISOString(),
    code: await codeVersion(),
    machineAtStart,
    machineAtEnd: machineInfo(),
    options: opts,
    requestsReachingSsm: ssm.tap.records.length,
    steadyState,
    failovers,
    trials,
  });
  say(`\nresults: ${file}`);
}

await runBenchmark(main);
