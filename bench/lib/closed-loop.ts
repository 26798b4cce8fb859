import { execa } from 'execa';

/**
 * The closed-loop driver of a load generator script (plain CommonJS for `node -e`): the script defines `cfg` (with
 * `seconds` and `concurrency`), a result object `r` and `once()`, one request; this runs `concurrency` workers
 * calling once() until the deadline and prints `r` with the elapsed time and the generator's own CPU as one line.
 */
export const CLOSED_LOOP_MAIN = String.raw`
async function main() {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(cfg.seconds * 1e9));
  const worker = async () => { while (process.hrtime.bigint() < deadline) await once(); };
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ ...r, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
}
main().catch((e) => { process.stderr.write(String((e && e.stack) || e) + '\n'); process.exit(1); });
`;

/** Runs a generator (its script + CLOSED_LOOP_MAIN) in namespace `ns` with this process's node; its result line. */
export async function runClosedLoop<T>(ns: string, script: string, cfg: object, what: string): Promise<T> {
  const r = await execa(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', script + CLOSED_LOOP_MAIN, JSON.stringify(cfg)],
    {
      reject: false,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.exitCode !== 0 || !line.startsWith('{'))
    throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout.slice(0, 500)}`);
  return JSON.parse(line) as T;
}
