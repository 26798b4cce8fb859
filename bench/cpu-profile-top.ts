/**
 * Prints where a `node --cpu-prof` profile spent its time (self time by file, then by function), e.g. the profiles
 * `node dist/bench/ai-gateway.js --cpu-prof-dir <dir>` has the gateways write:
 *
 *   node dist/bench/cpu-profile-top.js <dir>/csgw/*.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { summarizeProfile, type CpuProfile, type ProfileShare } from './lib/cpu-profile.js';
import { formatTable, say } from './lib/report.js';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
if (positionals.length === 0) throw new Error('usage: cpu-profile-top <file.cpuprofile>... [--top N]');

const table = (title: string, rows: ProfileShare[]): string =>
  formatTable([[title, 'self ms', '% of busy'], ...rows.map((r) => [r.name, r.ms.toFixed(0), r.percent.toFixed(1)])]);

for (const file of positionals) {
  const summary = summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, Number(values.top));
  const busy = summary.totalMs - summary.idleMs;
  say(`${file}: ${summary.totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy\n`);
  say(`${table('file', summary.byFile)}\n\n${table('function', summary.byFunction)}\n`);
}
