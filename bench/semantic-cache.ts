/**
 * The semantic cache's lookup (ai-gateway/semantic/store.ts), excluding the embedding call: latency at 10k and 100k
 * stored questions in one partition (384 dimensions: random unit vectors, with near-duplicates stored and asked),
 * through the HNSW graph and through the exact-scan baseline in the same run, and the memory each takes.
 *
 * Every measurement point runs in a child process of its own (`--point`, with --expose-gc), so the memory it
 * reports is its own; all of them generate the same vectors from the seed. A crossover sweep (VectorIndex alone)
 * times both searches at smaller sizes, which is where vector-index.ts's DEFAULT_EXACT_SCAN_UP_TO comes from.
 *
 *   npm run build && node_modules/.bin/node dist/bench/semantic-cache.js [--sizes 10000,100000] [--lookups 2000]
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DEFAULT_EXACT_SCAN_UP_TO } from '../ai-gateway/semantic/vector-index.js';
import { numberList, parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark } from './lib/cleanup.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, say, writeResults } from './lib/report.js';
import {
  measureCrossover,
  measurePoint,
  type CrossoverRow,
  type Mode,
  type PointOptions,
  type PointResult,
} from './lib/semantic-point.js';
import type { Summary } from './lib/stats.js';

const flags = parseFlags({
  sizes: '10000,100000',
  modes: 'exact,hnsw,js',
  dimensions: '384',
  lookups: '2000',
  'js-lookups': '200',
  threshold: '0.9',
  seed: '42',
  crossover: '1000,2000,5000,10000,20000',
  'crossover-lookups': '1000',
  point: '',
  out: defaultResultsDir(),
});
const GOAL_P99_MS = 5;

async function runPoint(options: PointOptions): Promise<PointResult> {
  say(`${options.mode} at ${options.size} entries: building and measuring (${options.lookups} lookups)`);
  const script = fileURLToPath(import.meta.url);
  const child = await execa(process.execPath, ['--expose-gc', script, '--point', JSON.stringify(options)]);
  return JSON.parse(child.stdout) as PointResult;
}

/** Share of the queries where `result` found what the exact scan found (the same key, or nothing). */
function agreement(result: PointResult, exact: PointResult): number {
  const same = result.answers.filter((answer, i) => answer === exact.answers[i]).length;
  return same / result.answers.length;
}

/** Paraphrase queries (even positions) answered, and other queries (odd) answered although nothing matches. */
function hitCounts(result: PointResult): { hits: number; paraphrases: number; falseHits: number } {
  let [hits, paraphrases, falseHits] = [0, 0, 0];
  result.answers.forEach((answer, i) => {
    if (i % 2 === 0) paraphrases++;
    if (i % 2 === 0 && answer !== null) hits++;
    if (i % 2 === 1 && answer !== null) falseHits++;
  });
  return { hits, paraphrases, falseHits };
}

const f = (value: number, digits = 3): string => value.toFixed(digits);

function latencyTable(points: PointResult[]): string {
  const exactOf = (size: number): PointResult | undefined => points.find((p) => p.mode === 'exact' && p.size === size);
  const rows = points.map((p) => {
    const exact = exactOf(p.size);
    const { hits, paraphrases, falseHits } = hitCounts(p);
    const ratio = (pick: (s: Summary) => number): string =>
      exact ? `${f(pick(p.lookupMs) / pick(exact.lookupMs), 2)}×` : '–';
    return [
      ...[p.size, p.mode, f(p.lookupMs.p50), f(p.lookupMs.p90), f(p.lookupMs.p99), f(p.lookupMs.max)],
      ...[ratio((s) => s.p50), ratio((s) => s.p99), `${hits}/${paraphrases}`, falseHits],
      exact ? `${f(agreement(p, exact) * 100, 1)} %` : '–',
    ];
  });
  const head = ['entries', 'search', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p50 vs exact', 'p99 vs exact'];
  return formatTable([[...head, 'hits', 'false hits', 'same answer as exact'], ...rows]);
}

function buildTable(points: PointResult[]): string {
  const rows = points.map((p) => [
    ...[p.size, p.mode, f(p.insertMs.p50), f(p.insertMs.p99), f(p.buildSeconds, 1)],
    ...[p.memoryMiB.rss, p.memoryMiB.heapUsed, p.memoryMiB.external, f((p.memoryMiB.rss * 100_000) / p.size, 0)],
    p.fileMiB,
  ]);
  const head = ['entries', 'search', 'insert p50 ms', 'insert p99 ms', 'build s', 'RSS +MiB', 'heap +MiB'];
  return formatTable([[...head, 'external +MiB', 'RSS MiB per 100k', 'file MiB'], ...rows]);
}

function restartTable(points: PointResult[]): string {
  const rows = points.flatMap((p) => {
    const r = p.restart;
    if (!r) return [];
    return [
      [
        p.size,
        p.mode,
        f(r.closeSeconds, 2),
        f(r.openSeconds, 2),
        r.indexingAfterOpen,
        `${f(r.sameAnswers * 100, 1)} %`,
      ],
    ];
  });
  const head = ['entries', 'search', 'close s (saves the graph)', 'open s (log + graph)', 'left to index'];
  return formatTable([[...head, 'same answers after'], ...rows]);
}

function crossoverTable(rows: CrossoverRow[]): string {
  const body = rows.map((r) => [r.size, f(r.exact.p50), f(r.exact.p99), f(r.hnsw.p50), f(r.hnsw.p99)]);
  return formatTable([['entries', 'exact p50 ms', 'exact p99 ms', 'hnsw p50 ms', 'hnsw p99 ms'], ...body]);
}

/** The goal applies to what the gateway runs at each size: the exact scan up to the crossover, the graph above. */
function goals(points: PointResult[]): { size: number; search: Mode; p99Ms: number; met: boolean }[] {
  return [...new Set(points.map((p) => p.size))].flatMap((size) => {
    const search: Mode = size > DEFAULT_EXACT_SCAN_UP_TO ? 'hnsw' : 'exact';
    const point = points.find((p) => p.size === size && p.mode === search);
    return point ? [{ size, search, p99Ms: point.lookupMs.p99, met: point.lookupMs.p99 <= GOAL_P99_MS }] : [];
  });
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machineBefore = machineInfo();
  const base = {
    dimensions: positiveNumber('dimensions', flags.dimensions),
    threshold: Number(flags.threshold),
    seed: Number(flags.seed),
  };
  const lookups = positiveNumber('lookups', flags.lookups);
  const points: PointResult[] = [];
  for (const size of numberList('sizes', flags.sizes)) {
    for (const mode of flags.modes.split(',') as Mode[]) {
      if (!['exact', 'hnsw', 'js'].includes(mode)) throw new Error(`--modes: unknown mode ${mode}`);
      const count = mode === 'js' ? positiveNumber('js-lookups', flags['js-lookups']) : lookups;
      points.push(await runPoint({ ...base, mode, size, lookups: count }));
    }
  }
  say('crossover sweep: exact scan against HNSW (VectorIndex alone)');
  const crossoverLookups = positiveNumber('crossover-lookups', flags['crossover-lookups']);
  const crossover = measureCrossover(
    numberList('crossover', flags.crossover),
    base.dimensions,
    crossoverLookups,
    base.seed,
  );
  say(`\nLookup latency (one partition, ${base.dimensions} dimensions, threshold ${base.threshold})\n`);
  say(latencyTable(points));
  say(`\nBuild and memory\n\n${buildTable(points)}`);
  say(`\nRestart: close, then open again (the benchmark's only process work meanwhile)\n\n${restartTable(points)}`);
  say(`\nCrossover (default exact scan up to ${DEFAULT_EXACT_SCAN_UP_TO} entries)\n\n${crossoverTable(crossover)}`);
  const checked = goals(points);
  const verdicts = checked.map((g) => `${g.size} (${g.search}) ${f(g.p99Ms)} ms ${g.met ? 'met' : 'MISSED'}`);
  say(`\nGoal p99 ≤ ${GOAL_P99_MS} ms: ${verdicts.join('; ')}`);
  const stored = points.map((point) => {
    const { answers: _answers, ...rest } = point;
    const exact = points.find((p) => p.mode === 'exact' && p.size === point.size);
    return { ...rest, ...hitCounts(point), sameAnswerAsExact: exact ? agreement(point, exact) : null };
  });
  const file = await writeResults(flags.out, 'semantic-cache', {
    ...{ benchmark: 'semantic-cache', startedAt, code: await codeVersion(), options: { ...flags, ...base } },
    ...{ machineBefore, machineAfter: machineInfo(), goals: checked, points: stored, crossover },
  });
  say(`\nresults: ${file}`);
}

if (flags.point) process.stdout.write(JSON.stringify(await measurePoint(JSON.parse(flags.point) as PointOptions)));
else await runBenchmark(main);
