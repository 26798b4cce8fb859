import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import type { Cleanup } from './cleanup.js';
import { CONN_SERVER, runConnLoad, type ConnLoadResult } from './conn-load.js';
import { iperfArgv, parseIperf, type IperfResult, type TrafficMode } from './iperf.js';
import { perSecond, roundOrder, spreadOf, type Sample } from './l4-tls-report.js';
import { CONN_PORT, IPERF_PORT, l4Scenarios, type L4Scenario } from './l4-scenarios.js';
import type { LbLab } from './lb-lab.js';
import { gatewayTables, renderLbTransaction, type GatewayTables } from './lb-table.js';
import { startInNs } from './ns-process.js';
import { say } from './report.js';
import { rounded, summarize, type Summary } from './stats.js';

export interface L4Options {
  rounds: number;
  /** iperf3 -t per traffic mode. */
  seconds: number;
  connSeconds: number;
  concurrency: number;
  modes: TrafficMode[];
  scenarios: string[];
}

export interface ConnRun {
  round: number;
  scenario: string;
  connPerSec: number;
  ok: number;
  errors: Record<string, number>;
  latencyMs: Summary;
  /** The generator's CPU per connection (µs): it shares the 2 vCPUs with what it measures. */
  generatorUsPerConn: number;
  /** Balanced scenarios: connections per target from the dnat rules' counters, and how even. */
  perTarget?: Record<string, number>;
  spread?: ReturnType<typeof spreadOf>;
  load1m: number;
}

export interface IperfRun extends IperfResult {
  round: number;
  scenario: string;
  mode: string;
  load1m: number;
}

export interface L4Result {
  ipvs: { available: boolean; message: string };
  scenarios: { name: string; description: string }[];
  targets: string[];
  samples: Sample[];
  connRuns: ConnRun[];
  iperfRuns: IperfRun[];
}

const load1m = (): number => Math.round(loadavg()[0]! * 100) / 100;

/** `ipvsadm -L -n` in the gateway, as the IPVS adapter's availability check runs it. */
async function probeIpvs(lab: LbLab): Promise<{ available: boolean; message: string }> {
  const r = await execa('ip', ['netns', 'exec', lab.gatewayNs, 'ipvsadm', '-L', '-n'], { reject: false, all: true });
  const message = String(r.all ?? '')
    .split('\n')
    .slice(0, 2)
    .join(' ')
    .trim();
  return { available: r.exitCode === 0, message: r.exitCode === 0 ? 'ipvsadm -L -n works' : message };
}

async function iperfInNs(ns: string, s: Pick<L4Scenario, 'iperf' | 'source'>, mode: TrafficMode, seconds: number) {
  const dest = s.iperf;
  const argv = iperfArgv(dest.host, mode, seconds, { streams: mode.streams, port: dest.port, bind: s.source });
  const r = await execa('ip', ['netns', 'exec', ns, ...argv], { reject: false });
  if (r.exitCode !== 0)
    throw new Error(`iperf3 ${mode.name} to ${dest.host} failed: ${r.stderr || r.stdout.slice(0, 300)}`);
  return parseIperf(r.stdout);
}

const onPort = (counts: Record<string, number>, port: number): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).filter(([key]) => key.endsWith(`:${port}`)));

interface Ctx {
  lab: LbLab;
  tables: GatewayTables;
  opts: L4Options;
  transactions: Map<string, Awaited<ReturnType<typeof renderLbTransaction>>>;
  result: L4Result;
}

async function measureConn(c: Ctx, s: L4Scenario, round: number): Promise<void> {
  const cfg = {
    destinations: s.conn,
    source: s.source,
    concurrency: c.opts.concurrency,
    timeoutMs: 5000,
    requestBytes: 64,
  };
  const r: ConnLoadResult = await runConnLoad(c.lab.clientNs, { ...cfg, seconds: c.opts.connSeconds });
  const connPerSec = perSecond(r.ok, r.elapsedMs);
  const latencyMs = rounded(summarize(r.latenciesMs), 2);
  const perTarget = s.services ? onPort(await c.tables.counters(), CONN_PORT) : undefined;
  const run: ConnRun = {
    round,
    scenario: s.name,
    connPerSec: Math.round(connPerSec),
    ok: r.ok,
    errors: r.errors,
    latencyMs,
    generatorUsPerConn: r.ok > 0 ? Math.round((r.cpuMs * 1000) / r.ok) : 0,
    ...(perTarget && s.name.startsWith('lb') ? { perTarget, spread: spreadOf(perTarget) } : {}),
    load1m: load1m(),
  };
  c.result.connRuns.push(run);
  const base = { scenario: s.name, round };
  c.result.samples.push(
    { ...base, metric: 'conn/s', value: connPerSec },
    { ...base, metric: 'conn p50 ms', value: latencyMs.p50 },
    { ...base, metric: 'conn p99 ms', value: latencyMs.p99 },
  );
  const errors = Object.keys(r.errors).length > 0 ? ` errors ${JSON.stringify(r.errors)}` : '';
  const spread = run.spread ? ` per target ${Object.values(run.perTarget ?? {}).join('/')}` : '';
  say(`  round ${round} ${s.name} conn: ${run.connPerSec} conn/s, p50 ${latencyMs.p50} ms${spread}${errors}`);
}

async function measureIperf(c: Ctx, s: L4Scenario, round: number): Promise<void> {
  for (const mode of c.opts.modes) {
    const r = await iperfInNs(c.lab.clientNs, s, mode, c.opts.seconds);
    c.result.iperfRuns.push({ round, scenario: s.name, mode: mode.name, load1m: load1m(), ...r });
    c.result.samples.push({ scenario: s.name, metric: `${mode.name} Gbit/s`, round, value: r.receivedBps / 1e9 });
    say(`  round ${round} ${s.name} ${mode.name}: ${(r.receivedBps / 1e9).toFixed(2)} Gbit/s`);
  }
}

const variantOf = (s: L4Scenario): string => JSON.stringify(s.services ?? null);

async function measureScenario(c: Ctx, s: L4Scenario, round: number): Promise<void> {
  await c.tables.load(s.services ? c.transactions.get(variantOf(s)) : undefined);
  await delay(300);
  await measureConn(c, s, round);
  await measureIperf(c, s, round);
}

async function startServers(cleanup: Cleanup, lab: LbLab): Promise<void> {
  for (const [i, ns] of lab.targetNs.entries()) {
    await startInNs(
      cleanup,
      `iperf3 -s on target ${i + 1}`,
      ns,
      ['iperf3', '-s', '-p', String(IPERF_PORT)],
      IPERF_PORT,
    );
    const server = [process.execPath, '-e', CONN_SERVER, String(CONN_PORT)];
    await startInNs(cleanup, `connection server on target ${i + 1}`, ns, server, CONN_PORT);
  }
}

/** The L4 part: servers, the balancer's tables, then every scenario per round (order alternating). */
export async function runL4(cleanup: Cleanup, lab: LbLab, opts: L4Options): Promise<L4Result> {
  const scenarios = l4Scenarios(lab, opts.scenarios);
  const result: L4Result = {
    ipvs: await probeIpvs(lab),
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    targets: lab.targetIps,
    samples: [],
    connRuns: [],
    iperfRuns: [],
  };
  say(
    result.ipvs.available
      ? 'L4: IPVS is available here, but this benchmark measures the nftables path'
      : `L4: IPVS is not in this kernel (${result.ipvs.message}): the nftables path is what is measured`,
  );
  for (const s of scenarios) say(`  ${s.name}: ${s.description}`);
  await startServers(cleanup, lab);
  const transactions = new Map<string, Awaited<ReturnType<typeof renderLbTransaction>>>();
  for (const s of scenarios)
    if (s.services) transactions.set(variantOf(s), await renderLbTransaction(s.services, lab.targetIps));
  const c: Ctx = { lab, tables: await gatewayTables(lab, cleanup), opts, transactions, result };
  // Warm-up (ARP, the servers' first connections), unmeasured.
  await c.tables.load(undefined);
  const [bare] = l4Scenarios(lab, ['bare']);
  const warm = { ...bare!, source: lab.clientIp };
  await runConnLoad(lab.clientNs, {
    destinations: warm.conn,
    source: warm.source,
    concurrency: 4,
    seconds: 1,
    requestBytes: 64,
    timeoutMs: 5000,
  });
  await iperfInNs(lab.clientNs, warm, { name: 'warm-up', protocol: 'tcp', streams: 1 }, 1);
  for (let round = 1; round <= opts.rounds; round++)
    for (const s of roundOrder(scenarios, round)) await measureScenario(c, s, round);
  return result;
}
