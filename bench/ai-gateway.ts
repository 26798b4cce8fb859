/**
 * The AI gateway's data plane (`csgw ai-gateway`, a child process with the production defaults: gateway keys, the
 * exact cache on memory + disk, the audit log) against calling the fake OpenAI upstream directly and against
 * Portkey's gateway (`@portkey-ai/gateway`, its Node server), all in the same run, each in its own process:
 *
 * - latency at a constant rate (open loop, default 1,000 req/s for 20 s after a 5 s warm-up): distinct prompts
 *   (cache misses) direct, through csgw and through Portkey; then one repeated prompt through csgw (cache hits);
 *   p50/p90/p99/max and what each gateway ADDS over direct at each percentile;
 * - saturation (closed loop, 64 connections for 10 s): req/s, the gateway's CPU per request, its RSS and peak RSS.
 *
 * The benchmark process is the load generator; the upstream and the gateways are children, pinned with taskset
 * (lib/load-schedule.ts cpuPlan: on 2 cores the gateway under test has core 1, generator and upstream share core 0).
 *
 *   npm run build && node dist/bench/ai-gateway.js [--rate 1000] [--duration 20] [--warmup 5] [--concurrency 64]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  cpuTable,
  goalChecks,
  goalTable,
  latencyTable,
  saturationTable,
  type GoalCheck,
  type Measured,
} from './lib/ai-gateway-report.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { closedLoop, openLoop, type LoadRun } from './lib/llm-load.js';
import { scenarios, type Procs, type Scenario } from './lib/llm-scenarios.js';
import {
  startBareProxy,
  startCsgw,
  startPortkey,
  startUpstream,
  type Child,
  type CsgwFeature,
  type SpawnOptions,
} from './lib/llm-processes.js';
import { cpuPlan } from './lib/load-schedule.js';
import { byLabel, scrapeMetrics } from './lib/operator.js';
import { readCpuSeconds, readRssMiB } from './lib/proc.js';
import { codeVersion, defaultResultsDir, machineInfo, say, writeResults } from './lib/report.js';

const flags = parseFlags({
  rate: '1000',
  duration: '20',
  warmup: '5',
  concurrency: '64',
  'saturation-seconds': '10',
  'timeout-ms': '10000',
  scenarios: 'direct,node-proxy,csgw,portkey,csgw-hit',
  'csgw-off': '',
  phases: 'latency,saturation',
  pin: 'true',
  'cpu-prof-dir': '',
  'csgw-node-flags': '',
  'keep-logs': 'false',
  out: defaultResultsDir(),
});
const opts = {
  rate: positiveNumber('rate', flags.rate),
  duration: positiveNumber('duration', flags.duration),
  warmup: Number(flags.warmup),
  concurrency: positiveNumber('concurrency', flags.concurrency),
  saturationSeconds: positiveNumber('saturation-seconds', flags['saturation-seconds']),
  timeoutMs: positiveNumber('timeout-ms', flags['timeout-ms']),
  scenarios: list(flags.scenarios),
  csgwOff: list(flags['csgw-off']) as CsgwFeature[],
  phases: flags.phases.split(',').map((s) => s.trim()),
  pin: flags.pin === 'true',
  cpuProfDir: flags['cpu-prof-dir'],
  csgwNodeFlags: flags['csgw-node-flags'].split(' ').filter(Boolean),
  keepLogs: flags['keep-logs'] === 'true',
};

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The scenarios asked for; without the cache there are no hits to measure. */
function selected(p: Procs): Record<string, Scenario> {
  const hits = !opts.csgwOff.includes('cache');
  return Object.fromEntries(
    Object.entries(scenarios(p)).filter(([name]) => opts.scenarios.includes(name) && (hits || name !== 'csgw-hit')),
  );
}

/** Runs `load` and reads the CPU every process spent in it, and the gateway's memory after it. */
async function measure(s: Scenario, upstream: Child, load: () => Promise<LoadRun>): Promise<Measured> {
  const cpu = async (pid?: number): Promise<number | undefined> =>
    pid === undefined ? undefined : ((await readCpuSeconds(pid))?.self ?? Number.NaN) * 1000;
  const [g0, u0, s0] = [await cpu(s.gateway?.pid), await cpu(upstream.pid), process.cpuUsage()];
  const run = await load();
  const [g1, u1, s1] = [await cpu(s.gateway?.pid), await cpu(upstream.pid), process.cpuUsage(s0)];
  const gateway = g0 === undefined || g1 === undefined ? {} : { gateway: g1 - g0 };
  const rss = s.gateway
    ? { rssMiB: { now: await readRssMiB(s.gateway.pid), peak: await readRssMiB(s.gateway.pid, 'VmHWM') } }
    : {};
  return {
    run,
    cpuMs: { ...gateway, upstream: (u1 ?? 0) - (u0 ?? 0), generator: (s1.user + s1.system) / 1000 },
    ...rss,
  };
}

async function start(cleanup: Cleanup, dir: string): Promise<Procs> {
  const plan = cpuPlan(cpus().length, opts.pin);
  if (plan.generator) await execa('taskset', ['-a', '-p', '-c', plan.generator, String(process.pid)]);
  const prof = (name: string): string[] =>
    opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(opts.cpuProfDir, name)] : [];
  const upstream = await startUpstream(cleanup, { cpus: plan.upstream, dir });
  const gw = (name: string): SpawnOptions => ({ cpus: plan.gateway, dir, nodeFlags: prof(name) });
  const csgwOpts = { ...gw('csgw'), nodeFlags: [...prof('csgw'), ...opts.csgwNodeFlags] };
  const csgw = await startCsgw(cleanup, csgwOpts, upstream.url, opts.csgwOff);
  const wanted = (name: string): boolean => opts.scenarios.includes(name);
  const portkey = wanted('portkey') ? await startPortkey(cleanup, gw('portkey')) : undefined;
  const nodeProxy = wanted('node-proxy') ? await startBareProxy(cleanup, gw('node-proxy'), upstream.url) : undefined;
  say(`cpu plan ${JSON.stringify(plan)}, csgw without ${JSON.stringify(opts.csgwOff)}`);
  return { upstream, csgw, ...(portkey ? { portkey } : {}), ...(nodeProxy ? { nodeProxy } : {}) };
}

/** Each gateway's VmRSS after start-up and the smoke request: the base the saturation RSS grows from. */
async function idleRss(p: Procs): Promise<Record<string, number | undefined>> {
  const children = [p.csgw, p.portkey, p.nodeProxy].filter((c): c is Child => c !== undefined);
  const out: Record<string, number | undefined> = {};
  for (const c of children) out[c.name] = await readRssMiB(c.pid);
  return out;
}

/** One request per scenario first: a broken path fails the benchmark before minutes of load, not after. */
async function smoke(all: Record<string, Scenario>): Promise<void> {
  for (const s of Object.values(all)) {
    const r = await openLoop(s.target, { rate: 1, seconds: 1, timeoutMs: opts.timeoutMs });
    if (r.ok !== 1)
      throw new Error(
        `${s.target.name}: smoke request failed: ${JSON.stringify(r.statuses)} ${JSON.stringify(r.errors)}`,
      );
  }
}

const ORDER = ['direct', 'node-proxy', 'csgw', 'portkey', 'csgw-hit'];

/** Open loop at the rate, or closed loop at the concurrency: each scenario in ORDER after an unmeasured warm-up. */
async function phase(
  kind: 'latency' | 'saturation',
  all: Record<string, Scenario>,
  upstream: Child,
): Promise<Record<string, Measured>> {
  const out: Record<string, Measured> = {};
  const { timeoutMs, concurrency } = opts;
  for (const name of ORDER.filter((n) => all[n])) {
    const s = all[name]!;
    const load =
      kind === 'latency'
        ? (seconds: number): Promise<LoadRun> => openLoop(s.target, { rate: opts.rate, seconds, timeoutMs })
        : (seconds: number): Promise<LoadRun> => closedLoop(s.target, { concurrency, seconds, timeoutMs });
    const [warmup, seconds] = kind === 'latency' ? [opts.warmup, opts.duration] : [2, opts.saturationSeconds];
    const how = kind === 'latency' ? `open loop, ${opts.rate} req/s` : `closed loop, ${concurrency} connections`;
    say(`${name}: ${how}, ${warmup} s warm-up + ${seconds} s`);
    if (warmup > 0) await load(warmup);
    out[name] = await measure(s, upstream, () => load(seconds));
  }
  return out;
}

/** The gateway's own view: requests by cache result and its mean overhead histogram sum/count. */
async function csgwMetrics(adminUrl: string): Promise<Record<string, unknown>> {
  const m = await scrapeMetrics(adminUrl);
  const sum = [...(m.get('csgw_ai_gateway_overhead_seconds_sum')?.values() ?? [])].reduce((a, b) => a + b, 0);
  const count = [...(m.get('csgw_ai_gateway_overhead_seconds_count')?.values() ?? [])].reduce((a, b) => a + b, 0);
  return {
    requestsByCache: byLabel(m, 'csgw_ai_requests_total', 'cache'),
    meanOverheadMs: count > 0 ? Math.round((sum / count) * 1e6) / 1000 : null,
  };
}

function report(latency: Record<string, Measured>, saturation: Record<string, Measured>): GoalCheck[] {
  const rows = Object.values(latency);
  const goals = goalChecks(latency);
  if (latency.direct) {
    say(`\nLatency at ${opts.rate} req/s, open loop (ms from the scheduled send; + = added over direct)\n`);
    say(latencyTable(latency.direct, rows));
    say(`\nCPU per request and generator health\n\n${cpuTable(rows)}`);
    say(`\nGoals\n\n${goalTable(goals)}`);
  }
  if (Object.keys(saturation).length > 0) {
    say(`\nSaturation: ${opts.concurrency} connections, closed loop, ${opts.saturationSeconds} s\n`);
    say(saturationTable(Object.values(saturation)));
  }
  return goals;
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const machineBefore = machineInfo();
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-aigw-'));
  if (opts.keepLogs) say(`logs, config, cache and audit files stay in ${dir}`);
  else cleanup.add('remove temp dir', () => rm(dir, { recursive: true, force: true }));
  const procs = await start(cleanup, dir);
  const all = selected(procs);
  await smoke(all);
  const idleRssMiB = await idleRss(procs);
  say(`RSS after start and one request (MiB): ${JSON.stringify(idleRssMiB)}`);
  const latency = opts.phases.includes('latency') ? await phase('latency', all, procs.upstream) : {};
  const saturation = opts.phases.includes('saturation') ? await phase('saturation', all, procs.upstream) : {};
  const metrics = await csgwMetrics(procs.csgw.adminUrl);
  const goals = report(latency, saturation);
  say(`\ncsgw's own metrics: ${JSON.stringify(metrics)}`);
  const code = await codeVersion();
  const file = await writeResults(flags.out, 'ai-gateway', {
    ...{ benchmark: 'ai-gateway', startedAt, code, options: opts, machineBefore, machineAfter: machineInfo() },
    ...{ cpuPlan: cpuPlan(cpus().length, opts.pin), idleRssMiB, goals, latency, saturation, csgwMetrics: metrics },
  });
  say(`\nresults: ${file}`);
  // Stop the gateways now (not at cleanup's end) so --cpu-prof profiles are written before the temp dir goes.
  await procs.csgw.stop();
  await procs.portkey?.stop();
}

await runBenchmark(main);
