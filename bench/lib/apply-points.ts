import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTableChange } from '../../renderers/nft/delta.js';
import { isObject } from '../../renderers/nft/elements.js';
import type { NftOp, NftTable } from '../../renderers/nft/model.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { CommandRunner, NftPort } from '../../runtime/ports.js';
import type { Variant, Workload } from './apply-workloads.js';
import { replaceRuleCommand } from './naive-tables.js';

/**
 * The measurements of one point (one workload, one size), run inside a fresh network namespace by the worker process
 * of rules-apply.ts. Every series starts with one unmeasured-in-the-summary warm-up repetition (JIT, page cache),
 * kept in the samples with `warmup: true`.
 */

/** Milliseconds per phase of one apply. Phases a series does not have are 0. */
export interface Sample {
  warmup: boolean;
  /** Compile (or build the naive table) from the rule list. */
  build: number;
  /**
   * OwnedTable.observe: `nft -j list table` (full); between full listings the last committed table from memory while
   * `nft monitor` is live (nothing spawned), `nft -j -t list table` + cached elements without it.
   */
  observe: number;
  /** planTableChange / planFirewall and the ops of the transaction. */
  plan: number;
  /** The one transaction: render, temp file, `nft -j -f`. */
  commit: number;
  total: number;
  /** e.g. "replaceTable" or "deleteElements:1 addElements:1". */
  ops: string;
  /** One-change series: processes spawned for the change, its verify observe included (as the controller runs). */
  spawns?: number;
}

export interface PointResult {
  kind: string;
  size: number;
  edit: string;
  compiledShape: { sets: number; elements: number; rules: number };
  naiveRules: number;
  compiled: { full: Sample[]; oneChange: Sample[] };
  naive: { full: Sample[]; rebuild: Sample[]; replaceRule: Sample[] };
}

const signal = new AbortController().signal;

function describeOps(ops: readonly NftOp[]): string {
  return ops
    .map((op) => (op.op === 'addElements' || op.op === 'deleteElements' ? `${op.op}:${op.elements.length}` : op.op))
    .join(' ');
}

function sample(warmup: boolean, t: readonly number[], ops: string): Sample {
  const [t0 = 0, t1 = t0, t2 = t1, t3 = t2, t4 = t3] = t;
  return { warmup, build: t1 - t0, observe: t2 - t1, plan: t3 - t2, commit: t4 - t3, total: t4 - t0, ops };
}

/** The controller's path from an absent table: compile, full observe, plan (replaceTable), commit. */
async function compiledFull<C>(
  w: Workload<C>,
  nft: NftPort,
  reps: number,
): Promise<{ samples: Sample[]; owned: OwnedTable }> {
  const samples: Sample[] = [];
  let owned: OwnedTable | undefined;
  for (let i = 0; i <= reps; i++) {
    if (i > 0) await nft.commit([{ op: 'deleteTable', ...w.owned }], signal);
    // A new controller each time: nothing in memory, as at start-up. No full resync in the middle of a point.
    owned?.close();
    owned = new OwnedTable(nft, w.owned.family, w.owned.name, { fullResyncMs: 3_600_000 });
    const t0 = performance.now();
    const compiled = w.build(0);
    const t1 = performance.now();
    const observed = await owned.observe(signal, true);
    const t2 = performance.now();
    const ops = w.plan(compiled, observed);
    const t3 = performance.now();
    await owned.commit(ops, signal);
    samples.push(sample(i === 0, [t0, t1, t2, t3, performance.now()], describeOps(ops)));
  }
  if (!owned) throw new Error('no repetitions');
  return { samples, owned };
}

/**
 * One edited rule on the loaded table: compile, observe (from memory), plan (element delta), commit; then the
 * verify observe, untimed, whose spawns count. The warm-up repetition lists in full (the monitor just went live).
 */
async function compiledOneChange<C>(
  w: Workload<C>,
  ports: { nft: NftPort; spawns?: () => number },
  owned: OwnedTable,
  reps: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const spawns = ports.spawns ?? ((): number => 0);
  let variant: Variant = 0;
  await monitorLive(owned);
  for (let i = 0; i <= reps; i++) {
    variant = variant === 0 ? 1 : 0;
    const before = spawns();
    const t0 = performance.now();
    const compiled = w.rebuild(variant);
    const t1 = performance.now();
    const observed = await owned.observe(signal, false);
    const t2 = performance.now();
    const ops = w.plan(compiled, observed);
    const t3 = performance.now();
    await owned.commit(ops, signal);
    const done = sample(i === 0, [t0, t1, t2, t3, performance.now()], describeOps(ops));
    await owned.observe(signal, false);
    samples.push({ ...done, spawns: spawns() - before });
  }
  await verifyConverged(w, ports.nft, w.tableOf(w.build(variant)));
  return samples;
}

/** `nft monitor` subscribes within milliseconds; without one (no NftPort.watch) the series runs as before. */
async function monitorLive(owned: OwnedTable): Promise<void> {
  for (let waited = 0; owned.tamperDetection !== 'nft monitor' && waited < 5000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The kernel must hold exactly the desired table after the series (a full listing, not the cache). */
async function verifyConverged<C>(w: Workload<C>, nft: NftPort, desired: NftTable): Promise<void> {
  const listed = await nft.listTable(w.owned.family, w.owned.name, signal);
  const left = planTableChange(desired, listed?.table);
  if (left.length > 0) throw new Error(`${w.kind} ${w.size}: kernel table differs after the series: ${left[0]!.op}`);
}

/** The naive controller: build the one-rule-per-entry table and replace the whole table with it. */
async function naiveReplace<C>(w: Workload<C>, nft: NftPort, reps: number, alternate: boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  let variant: Variant = 0;
  for (let i = 0; i <= reps; i++) {
    if (alternate) variant = variant === 0 ? 1 : 0;
    else if (i > 0) await nft.commit([{ op: 'deleteTable', ...w.naive.table }], signal);
    const t0 = performance.now();
    const table = w.naive.build(variant);
    const t1 = performance.now();
    await nft.commit([{ op: 'replaceTable', table }], signal);
    samples.push(sample(i === 0, [t0, t1, t1, t1, performance.now()], 'replaceTable'));
  }
  return samples;
}

/** `nft -j -f` of a hand-made document, through the same steps as the adapter's commit (temp file, run, remove). */
async function runNftDocument(runner: CommandRunner, doc: unknown): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-nft-'));
  try {
    const file = join(dir, 'transaction.json');
    await writeFile(file, JSON.stringify(doc), { mode: 0o600 });
    const result = await runner.run('nft', ['-j', '-f', file], { signal });
    if (result.exitCode !== 0) throw new Error(`nft: ${result.stderr.trim().split('\n')[0] ?? ''}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The kernel handle of the index-th rule of a chain (handles change on every replace, so read each time). */
async function ruleHandle(
  runner: CommandRunner,
  table: { family: string; name: string },
  chain: string,
  index: number,
): Promise<number> {
  const r = await runner.run('nft', ['-j', '-a', 'list', 'chain', table.family, table.name, chain], { signal });
  const doc = JSON.parse(r.stdout) as unknown;
  const items = isObject(doc) && Array.isArray(doc.nftables) ? (doc.nftables as unknown[]) : [];
  const rules = items.flatMap((i) => (isObject(i) && isObject(i.rule) ? [i.rule] : []));
  const handle = rules[index]?.handle;
  if (typeof handle !== 'number') throw new Error(`no rule ${index} in ${table.name} ${chain}`);
  return handle;
}

/** A smarter naive controller that edits the one rule in place (`nft replace rule … handle H`), handle known. */
async function naiveReplaceRule<C>(w: Workload<C>, runner: CommandRunner, reps: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  let variant: Variant = 0;
  for (let i = 0; i <= reps; i++) {
    variant = variant === 0 ? 1 : 0;
    const handle = await ruleHandle(runner, w.naive.table, w.naive.chain, w.naive.index);
    const t0 = performance.now();
    const doc = replaceRuleCommand(w.naive.table, w.naive.chain, handle, w.naive.rule(variant));
    const t1 = performance.now();
    await runNftDocument(runner, doc);
    samples.push(sample(i === 0, [t0, t1, t1, t1, performance.now()], 'replace rule'));
  }
  return samples;
}

/** Every series of one point, compiled first, then the naive table (each table deleted before the next series). */
export async function measurePoint<C>(
  w: Workload<C>,
  ports: { nft: NftPort; runner: CommandRunner; spawns?: () => number },
  reps: number,
  log: (line: string) => void,
): Promise<PointResult> {
  const { nft, runner } = ports;
  log(`${w.kind} ${w.size}: compiled full`);
  const full = await compiledFull(w, nft, reps);
  log(`${w.kind} ${w.size}: compiled one change (${w.edit})`);
  const oneChange = await compiledOneChange(w, ports, full.owned, reps);
  full.owned.close();
  await nft.commit([{ op: 'deleteTable', ...w.owned }], signal);
  log(`${w.kind} ${w.size}: naive full`);
  const naiveFull = await naiveReplace(w, nft, reps, false);
  log(`${w.kind} ${w.size}: naive rebuild on one change`);
  const rebuild = await naiveReplace(w, nft, reps, true);
  log(`${w.kind} ${w.size}: naive replace rule`);
  const replaceRule = await naiveReplaceRule(w, runner, reps);
  const table = w.tableOf(w.build(0));
  const naive = w.naive.build(0);
  return {
    kind: w.kind,
    size: w.size,
    edit: w.edit,
    compiledShape: {
      sets: table.sets.length,
      elements: table.sets.reduce((n, s) => n + s.elements.length, 0),
      rules: table.chains.reduce((n, c) => n + c.rules.length, 0),
    },
    naiveRules: naive.chains.reduce((n, c) => n + c.rules.length, 0),
    compiled: { full: full.samples, oneChange },
    naive: { full: naiveFull, rebuild, replaceRule },
  };
}
