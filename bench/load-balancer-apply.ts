/**
 * Apply time of one target change (weight, add, remove) on the LoadBalancer's nftables path at 10 and 1,000 targets:
 * the whole-table replace against the chain delta, through the controller's own observe/plan/apply and the real nft
 * adapter. Each size runs in a worker process of its own inside a throw-away network namespace (`unshare --net`), so
 * every point starts from an empty ruleset and nothing touches the host.
 *
 *   node dist/bench/load-balancer-apply.js [--sizes 10,1000] [--reps 20]
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { numberList, parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { measureLbPoint, type LbPointResult } from './lib/lb-apply-points.js';
import { deltaGoal, flatness, replaceVsDelta, seriesTable, summarizeLbPoints } from './lib/lb-apply-report.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, say, writeResults } from './lib/report.js';
import { sourceDigest } from './lib/source-digest.js';

const SCRIPT = fileURLToPath(import.meta.url);
/** The goal of the issue: one target change applied in at most this long, at 10 and at 1,000 targets. */
const GOAL_MS = 50;
/** The code this benchmark measures. */
const LB_SOURCES = [
  'controllers/load-balancer/',
  'renderers/nft/',
  'runtime/nft/owned-table.ts',
  'adapters/nft.ts',
  'adapters/exec-runner.ts',
];

const flags = parseFlags({
  sizes: '10,1000',
  reps: '20',
  out: defaultResultsDir(),
  /** Internal: run one size in this process and print its JSON result. */
  worker: '',
});

/** Worker: we are inside `unshare --net`, so nft runs directly, as the operator runs it on a host. */
async function worker(sizeText: string): Promise<void> {
  const size = positiveNumber('worker', sizeText);
  const runner = createExecRunner();
  const ruleset = await runner.run('nft', ['list', 'ruleset'], { signal: new AbortController().signal });
  if (ruleset.stdout.trim() !== '')
    throw new Error('worker: the network namespace is not empty (not under unshare --net?)');
  const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
  const result = await measureLbPoint(createNftAdapter(runner), size, positiveNumber('reps', flags.reps), log);
  process.stdout.write(JSON.stringify(result));
}

/** One size in a child process in a fresh network namespace, which disappears with the child. */
async function runPoint(cleanup: Cleanup, size: number): Promise<LbPointResult> {
  const child = execa(
    'unshare',
    ['--net', '--', process.execPath, SCRIPT, '--worker', String(size), '--reps', flags.reps],
    { stdin: 'ignore', stderr: 'inherit', timeout: 15 * 60_000, maxBuffer: 256 * 1024 * 1024 },
  );
  cleanup.add(`stop worker ${size}`, () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const { stdout } = await child;
  return JSON.parse(stdout) as LbPointResult;
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const nft = (await execa('nft', ['--version'], { reject: false })).stdout.trim();
  const machine = { ...machineInfo(), nft };
  const code = { ...(await codeVersion()), lbSources: await sourceDigest(LB_SOURCES) };
  const sizes = numberList('sizes', flags.sizes);
  say(`load-balancer-apply: sizes ${sizes.join(', ')}, ${flags.reps} repetitions per op and mode (+1 warm-up)`);
  const points: LbPointResult[] = [];
  for (const size of sizes) {
    const started = performance.now();
    points.push(await runPoint(cleanup, size));
    say(`${size} targets: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const summaries = summarizeLbPoints(points);
  say('\nOne target change, ms (total = observe + plan + commit):\n');
  say(seriesTable(summaries));
  const r = replaceVsDelta(summaries);
  say('\nReplace / delta (p50):\n');
  say(
    formatTable([
      ['targets', 'op', 'total', 'commit'],
      ...r.map((x) => [x.size, x.op, x.totalReplaceOverDelta, x.commitReplaceOverDelta]),
    ]),
  );
  const flat = flatness(summaries);
  say('\nLargest / smallest size (p50; 1.0 = flat in the number of targets):\n');
  say(formatTable([['mode', 'op', 'sizes', 'total', 'commit'], ...flat.map((f) => Object.values(f).map(String))]));
  const goal = deltaGoal(summaries, GOAL_MS);
  say(`\ngoal: delta total p95 <= ${GOAL_MS} ms at every size: worst ${goal.worstDeltaP95Ms} ms, met: ${goal.met}`);
  const path = await writeResults(flags.out, 'load-balancer-apply', {
    benchmark: 'load-balancer-apply',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    machineAtEnd: machineInfo(),
    code,
    params: { sizes: flags.sizes, reps: Number(flags.reps) },
    goal,
    summaries,
    replaceVsDelta: r,
    flatness: flat,
    points,
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
