/**
 * Forwarding throughput through the gateway container of the e2e topology (client ─ gateway ─ server), measured
 * with iperf3 for each data-plane configuration: no tables, SourceNat only, NAT + a compiled N-rule FirewallPolicy,
 * NAT + the same policy as a linear chain, and both without the `ct state established,related accept` shortcut.
 * The gateway runs `sleep infinity` instead of the operator; the benchmark loads each scenario's tables into it
 * (rendered by the project's own builders) with one `nft -j -f`. Rounds alternate the scenario order to cancel drift.
 *
 *   npm run build && node dist/bench/forwarding-throughput.js [--rules 10000] [--runs 3] [--seconds 10]
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { createTopology, type Topology } from '../e2e/harness/index.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { gatewayNft, prepareForwarding, type GatewayNft } from './lib/gateway-nft.js';
import { runIperf, startIperfServer, TRAFFIC_MODES, type TrafficMode } from './lib/iperf.js';
import { readMachineCpu, busyPercent } from './lib/proc.js';
import { codeVersion, defaultResultsDir, machineInfo, say, writeResults } from './lib/report.js';
import { DATA_PLANE_SOURCES, sourceDigest } from './lib/source-digest.js';
import { SCENARIO_NAMES, throughputPolicy, throughputScenarios, type Scenario } from './lib/throughput-scenarios.js';
import { summarizeThroughput, throughputTable, type ThroughputRun } from './lib/throughput-report.js';

const flags = parseFlags({
  rules: '10000',
  seed: '42',
  runs: '3',
  seconds: '10',
  modes: 'tcp1,tcp4,udp1',
  scenarios: SCENARIO_NAMES.join(','),
  out: defaultResultsDir(),
});

function trafficModes(): TrafficMode[] {
  return flags.modes.split(',').map((name) => {
    const mode = TRAFFIC_MODES[name.trim()];
    if (!mode) throw new Error(`--modes: unknown mode ${name} (known: ${Object.keys(TRAFFIC_MODES).join(', ')})`);
    return mode;
  });
}

async function gatewayFacts(t: Topology): Promise<Record<string, string>> {
  const run = async (argv: string[]): Promise<string> => (await t.exec('gateway', argv)).stdout.trim();
  return {
    nft: await run(['nft', '--version']),
    privateLink: await run(['ip', '-d', 'link', 'show', t.gatewayInterfaces.private]),
    hostBridgeNfCallIptables: (
      await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => 'n/a')
    ).trim(),
  };
}

/**
 * scripts/build-images.sh, as the harness's ensureImages runs it; that helper finds the script relative to its own
 * source file, which from dist/ points into dist/. Needs `npm run build` first (the gateway image copies dist/).
 */
async function buildImages(): Promise<void> {
  const root = resolve(defaultResultsDir(), '../..');
  await execa('bash', [resolve(root, 'scripts/build-images.sh')], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
}

const SETTLE_MS = 3000;

interface Measure {
  t: Topology;
  gw: GatewayNft;
  seconds: number;
}

/** One scenario of one round: load its tables, then one iperf3 run per traffic mode. */
async function measureScenario(
  m: Measure,
  s: Scenario,
  modes: readonly TrafficMode[],
  round: number,
): Promise<ThroughputRun[]> {
  const loadMs = await m.gw.load(s.tables);
  // Flushing the previous scenario's tables frees them in the kernel's background work (10,000 rules take seconds
  // to load and to free): let it finish before measuring.
  await delay(SETTLE_MS);
  const out: ThroughputRun[] = [];
  for (const mode of modes) {
    const before = s.filter ? await m.gw.lastRuleCounter(s.filter.table, s.filter.chain) : undefined;
    const result = await runIperf(m.t, mode, m.seconds);
    const after = s.filter ? await m.gw.lastRuleCounter(s.filter.table, s.filter.chain) : undefined;
    const evaluated =
      before && after ? { packets: after.packets - before.packets, bytes: after.bytes - before.bytes } : undefined;
    const load1m = Math.round(loadavg()[0]! * 100) / 100;
    out.push({ round, scenario: s.name, mode: mode.name, load1m, ...result, ...(evaluated ? { evaluated } : {}) });
    const extra = evaluated ? `, ${evaluated.packets} packets through the whole policy` : '';
    say(
      `  round ${round} ${s.name} ${mode.name}: ${(result.receivedBps / 1e9).toFixed(2)} Gbit/s${extra} (load ${loadMs.toFixed(0)} ms)`,
    );
  }
  return out;
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const code = { ...(await codeVersion()), dataPlaneSources: await sourceDigest(DATA_PLANE_SOURCES) };
  const seconds = positiveNumber('seconds', flags.seconds);
  const rounds = positiveNumber('runs', flags.runs);
  const modes = trafficModes();
  // The harness's convention (scripts/test.sh): no Ryuk container; cleanup() removes everything of the run.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  say('forwarding-throughput: building images (cached after the first time) and the topology');
  await buildImages();
  const t = await createTopology('bench-forwarding', { gatewayEntrypoint: ['sleep', 'infinity'], gatewayPorts: [] });
  cleanup.add('remove the e2e topology', () => t.cleanup());
  await prepareForwarding(t);
  await startIperfServer(t);
  const policy = throughputPolicy(t, positiveNumber('rules', flags.rules), Number(flags.seed));
  const scenarios = throughputScenarios(
    t,
    policy,
    flags.scenarios.split(',').map((s) => s.trim()),
  );
  for (const s of scenarios) say(`  ${s.name}: ${s.description}`);
  const m: Measure = { t, gw: await gatewayNft(t), seconds };
  cleanup.add('remove the transaction temp dir', () => m.gw.close());
  // Warm-up: ARP, caches, the iperf3 server's first test.
  await m.gw.load([]);
  await runIperf(t, TRAFFIC_MODES.tcp1!, 3);
  const cpuStart = await readMachineCpu();
  const runs: ThroughputRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
    for (const s of order) runs.push(...(await measureScenario(m, s, modes, round)));
  }
  const machineBusyPercent = busyPercent(cpuStart, await readMachineCpu());
  const summary = summarizeThroughput(runs, seconds);
  say(`\nReceived throughput, ${seconds} s runs (first second omitted), ${rounds} rounds:\n`);
  say(throughputTable(summary));
  const path = await writeResults(flags.out, 'forwarding-throughput', {
    benchmark: 'forwarding-throughput',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    gateway: await gatewayFacts(t),
    machineBusyPercent,
    code,
    params: { ...flags, out: undefined },
    topology: {
      privateSubnet: t.privateSubnet,
      publicSubnet: t.publicSubnet,
      clientIp: t.clientIp,
      serverIp: t.serverIp,
    },
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    goal: 'compiled >= 95 % of bare',
    summary,
    runs,
  });
  say(`\nresults: ${path}`);
}

void runBenchmark(main);
