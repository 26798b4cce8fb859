/**
 * Apply time of the firewall and port-forward tables, full and one change, against the naive one-rule-per-entry
 * table, with the real nft adapter. Each point (kind × N) runs in a worker process of its own inside a throw-away
 * network namespace (`unshare --net`), so every point starts from an empty ruleset and nothing touches the host.
 *
 *   node dist/bench/rules-apply.js [--fw-sizes 100,1000,10000] [--pf-sizes 1000,10000] [--reps 10] [--seed 42]
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createNftMonitor } from '../adapters/nft-monitor.js';
import type { CommandRunner } from '../runtime/ports.js';
import { numberList, parseFlags, positiveNumber } from './lib/args.js';
import { measurePoint, type PointResult } from './lib/apply-points.js';
import { flatness, phasesTable, pointsTable, ratios, summarizePoint } from './lib/apply-report.js';
import { firewallWorkload, portForwardWorkload } from './lib/apply-workloads.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, say, writeResults } from './lib/report.js';
import { DATA_PLANE_SOURCES, sourceDigest } from './lib/source-digest.js';

const SCRIPT = fileURLToPath(import.meta.url);

const flags = parseFlags({
  'fw-sizes': '100,1000,10000',
  'pf-sizes': '1000,10000',
  reps: '10',
  seed: '42',
  out: defaultResultsDir(),
  /** Internal: run one point ("firewall:10000") in this process and print its JSON result. */
  worker: '',
});

/** Worker: we are inside `unshare --net`, so nft runs directly, as the operator runs it on a host. */
async function worker(spec: string): Promise<void> {
  const [kind = '', sizeText = ''] = spec.split(':');
  const size = positiveNumber('worker', sizeText);
  const seed = Number(flags.seed);
  const reps = positiveNumber('reps', flags.reps);
  const exec = createExecRunner();
  // Every process the measured paths spawn is counted (spawns per change); `nft monitor` itself is not a run.
  let spawned = 0;
  const runner: CommandRunner = {
    run: (file, args, opts) => {
      spawned += 1;
      return exec.run(file, args, opts);
    },
  };
  const ruleset = await runner.run('nft', ['list', 'ruleset'], { signal: new AbortController().signal });
  if (ruleset.stdout.trim() !== '')
    throw new Error('worker: the network namespace is not empty (not under unshare --net?)');
  const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
  const monitor = createNftMonitor({ argv: ['nft', 'monitor'] });
  const ports = { nft: createNftAdapter(runner, 'nft', monitor), runner, spawns: () => spawned };
  let result: PointResult;
  if (kind === 'firewall') result = await measurePoint(firewallWorkload(size, seed), ports, reps, log);
  else if (kind === 'port-forward') result = await measurePoint(portForwardWorkload(size, seed), ports, reps, log);
  else throw new Error(`worker: unknown kind ${kind}`);
  process.stdout.write(JSON.stringify(result));
}

/** One point in a child process in a fresh network namespace, which disappears with the child. */
async function runPoint(cleanup: Cleanup, kind: string, size: number): Promise<PointResult> {
  const child = execa(
    'unshare',
    [
      '--net',
      '--',
      process.execPath,
      SCRIPT,
      '--worker',
      `${kind}:${size}`,
      '--reps',
      flags.reps,
      '--seed',
      flags.seed,
    ],
    { stdin: 'ignore', stderr: 'inherit', timeout: 15 * 60_000, maxBuffer: 512 * 1024 * 1024 },
  );
  cleanup.add(`stop worker ${kind}:${size}`, () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const { stdout } = await child;
  return JSON.parse(stdout) as PointResult;
}

function spawnsOf(p: PointResult): string {
  return [...new Set(p.compiled.oneChange.filter((s) => !s.warmup).map((s) => s.spawns ?? 0))].join(', ');
}

async function nftVersion(): Promise<string> {
  const r = await execa('nft', ['--version'], { reject: false });
  return r.stdout.trim();
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = { ...machineInfo(), nft: await nftVersion() };
  const code = { ...(await codeVersion()), dataPlaneSources: await sourceDigest(DATA_PLANE_SOURCES) };
  const plan = [
    ...numberList('fw-sizes', flags['fw-sizes']).map((n) => ['firewall', n] as const),
    ...numberList('pf-sizes', flags['pf-sizes']).map((n) => ['port-forward', n] as const),
  ];
  say(`rules-apply: ${plan.length} points, ${flags.reps} repetitions each (+1 warm-up), seed ${flags.seed}`);
  const points: { result: PointResult; summary: ReturnType<typeof summarizePoint> }[] = [];
  for (const [kind, size] of plan) {
    const started = performance.now();
    const result = await runPoint(cleanup, kind, size);
    points.push({ result, summary: summarizePoint(result) });
    say(`${kind} ${size}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  say('\nApply time, ms (p50 / p90; cpu = compile/build + plan in process, nft = observe + commit):\n');
  say(pointsTable(points));
  say('\nCompiled, medians by phase (ms):\n');
  say(phasesTable(points));
  const r = ratios(points);
  say('\nCompiled / naive (medians):\n');
  say(
    formatTable([
      ['kind', 'N', 'full / naive full', 'one change / naive rebuild', 'one change / replace rule'],
      ...r.map((x) => [x.kind, x.size, x.fullVsNaiveFull, x.oneChangeVsNaiveRebuild, x.oneChangeVsReplaceRule]),
    ]),
  );
  say('\nProcesses spawned per one change (observe, commit, verify observe; measured repetitions):\n');
  say(formatTable([['kind', 'N', 'spawns'], ...points.map((p) => [p.result.kind, p.result.size, spawnsOf(p.result)])]));
  const flat = flatness(points);
  say('\nLargest N / smallest N (medians; 1.0 = flat in N):\n');
  say(formatTable([Object.keys(flat[0] ?? {}), ...flat.map((f) => Object.values(f).map(String))]));
  const path = await writeResults(flags.out, 'rules-apply', {
    benchmark: 'rules-apply',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    machineAtEnd: machineInfo(),
    code,
    params: {
      reps: Number(flags.reps),
      seed: Number(flags.seed),
      fwSizes: flags['fw-sizes'],
      pfSizes: flags['pf-sizes'],
    },
    goals: { fullMsAt10k: 300, oneChangeMsAt10k: 50 },
    points: points.map((p) => ({ ...p.result, summary: p.summary })),
    ratios: r,
    flatness: flat,
  });
  say(`\nresults: ${path}`);
}

if (flags.worker) {
  worker(flags.worker).catch((err: unknown) => {
    process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
} else {
  void runBenchmark(main);
}
