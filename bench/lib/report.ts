import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Prints rows as an aligned plain-text table (first row = headers), the form docs/benchmarks.md quotes. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0))) ?? [];
  const line = (row: string[]): string =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const [head = [], ...body] = cells;
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** bench/results/ of the source tree, found by walking up to the project root (this file runs from dist/bench/lib/). */
export function defaultResultsDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== '/'; dir = dirname(dir)) {
    // tsconfig.json marks the project root: dist/ has a package.json of its own but no tsconfig.
    if (existsSync(resolve(dir, 'tsconfig.json'))) return resolve(dir, 'bench/results');
  }
  return resolve('bench/results');
}

/** Results are timestamped so successive runs never overwrite each other; returns the path written. */
export async function writeResults(dir: string, name: string, results: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = resolve(dir, `${name}-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : 'n/a';
}

/**
 * Where the numbers come from. The load average is recorded at start and end because other work on a 2-vCPU
 * machine (a test suite, a build) shows up directly in spawn-heavy latencies like these.
 */
export function machineInfo(): Record<string, unknown> {
  return {
    kernel: release(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    loadAverage1m5m15m: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/**
 * The code that was measured: others commit while benchmarks run, so results name the commit and whether the
 * working tree differed from it (dist/ is built from the working tree).
 */
export async function codeVersion(): Promise<{ commit: string; uncommittedFiles: number }> {
  const cwd = resolve(defaultResultsDir(), '../..');
  const head = await execa('git', ['rev-parse', '--short', 'HEAD'], { cwd, reject: false });
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false });
  return {
    commit: head.exitCode === 0 ? head.stdout.trim() : 'unknown',
    uncommittedFiles: status.exitCode === 0 ? status.stdout.split('\n').filter(Boolean).length : -1,
  };
}
