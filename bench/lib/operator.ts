import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { Cleanup } from './cleanup.js';
import { freePort } from './proc.js';
import { BENCH_GATEWAY } from './ssm.js';

/** dist/cli/main.js: the benchmarks run the real, compiled `csgw` binary as a child, as production would. */
const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** The operator's --instance-id: its status lives at <prefix>/bench/status/bench. */
export const BENCH_INSTANCE_ID = 'bench';

export interface OperatorOptions {
  netns: string;
  endpointUrl: string;
  /** Extra `csgw run` flags, e.g. ['--poll-interval', '1']; none means the shipped defaults. */
  runFlags: string[];
  logDir: string;
  logLevel: string;
  /** Distinguishes successive operators of one benchmark (log file names). */
  label: string;
}

export interface OperatorHandle {
  pid: number;
  adminUrl: string;
  logFile: string;
  metrics(): Promise<Metrics>;
  stop(): Promise<void>;
}

/** Starts `csgw run` against the namespace and waits until its admin endpoint says it is ready. */
export async function startOperator(cleanup: Cleanup, opts: OperatorOptions): Promise<OperatorHandle> {
  const port = await freePort();
  const logFile = join(opts.logDir, `operator-${opts.label}.log`);
  const child = execa(
    process.execPath,
    [
      CLI,
      '--endpoint-url',
      opts.endpointUrl,
      '--gateway',
      BENCH_GATEWAY,
      'run',
      '--imds',
      'off',
      '--netns',
      opts.netns,
      '--admin-listen',
      `127.0.0.1:${port}`,
      '--instance-id',
      BENCH_INSTANCE_ID,
      '--log-level',
      opts.logLevel,
      // Each run has a fresh store: the memory of an earlier run's store must not make this one unrecognised.
      '--state-dir',
      join(opts.logDir, 'state'),
      ...opts.runFlags,
    ],
    {
      // A clean environment: an AWS_PROFILE or CSGW_* variable of the caller's shell must not change what is measured.
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: opts.logDir },
      stdin: 'ignore',
      stdout: { file: logFile },
      stderr: { file: `${logFile}.stderr` },
      reject: false,
      forceKillAfterDelay: 5_000,
    },
  );
  const stop = once(() => stopChild(child));
  cleanup.add(`stop operator ${opts.label}`, stop);
  const adminUrl = `http://127.0.0.1:${port}`;
  await waitReady(adminUrl, child, logFile);
  return { pid: child.pid ?? -1, adminUrl, logFile, metrics: () => scrapeMetrics(adminUrl), stop };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** SIGTERM lets the operator flush its status and close its listener; execa escalates to SIGKILL after 5 s. */
async function stopChild(child: ResultPromise): Promise<void> {
  if (child.exitCode === null) child.kill('SIGTERM');
  await child;
}

async function waitReady(adminUrl: string, child: ResultPromise, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.finally(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`operator exited during start-up:\n${await tail(logFile)}`);
    const status = await fetch(`${adminUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await delay(100);
  }
  throw new Error(`operator not ready after ${timeoutMs} ms:\n${await tail(logFile)}`);
}

/** The last lines of the operator's log (stdout and stderr), for failure messages. */
export async function tail(logFile: string, lines = 20): Promise<string> {
  const read = (f: string): Promise<string> => readFile(f, 'utf8').catch(() => '');
  const text = `${await read(logFile)}${await read(`${logFile}.stderr`)}`;
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Prometheus samples keyed by name, then by their label set rendered as `a="x",b="y"` ('' without labels). */
export type Metrics = Map<string, Map<string, number>>;

export async function scrapeMetrics(adminUrl: string): Promise<Metrics> {
  const res = await fetch(`${adminUrl}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parsePrometheus(await res.text());
}

/** Enough of the text exposition format for counters, gauges and histograms; comments and TYPE lines are skipped. */
export function parsePrometheus(text: string): Metrics {
  const out: Metrics = new Map();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const byLabels = out.get(match[1]) ?? new Map<string, number>();
    byLabels.set(match[2] ?? '', Number(match[3]));
    out.set(match[1], byLabels);
  }
  return out;
}

/** One label's values of a metric, e.g. csgw_ssm_calls_total by operation: { GetParametersByPath: 12, ... }. */
export function byLabel(metrics: Metrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [labels, value] of metrics.get(name) ?? []) {
    const match = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels);
    const key = match?.[1] ?? '';
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

/** b - a per key (counters sampled at two times). */
export function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return Object.fromEntries([...keys].sort().map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
}
