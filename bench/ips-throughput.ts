/**
 * Throughput, latency and CPU through the gateway container of the e2e topology (client ─ gateway ─ server) with the
 * operator running in it, for: SourceNat alone, + a FirewallPolicy of N rules, + IntrusionPrevention (Suricata inline
 * over NFQUEUE) with 1 queue, with one queue per core, and with one queue per core and bypass after some bytes of a
 * flow (when the IntrusionPrevention kind has spec.bypass). Scenarios are switched with csgw apply / delete of
 * manifests, as a user would; rounds alternate the scenario order to cancel drift.
 *
 * Traffic: iperf3 (tcp1, tcp4src: 4 clients from 4 client addresses, tcp4: -P 4 from one, udp1; a protocol
 * Suricata does not recognise) and an HTTP download (http1), whose stream Suricata parses, so that flow bypass after
 * N bytes applies to it. The queues are balanced by address pair: only several addresses can spread over them.
 *
 *   npm run build && node dist/bench/ips-throughput.js [--runs 2] [--seconds 8] [--modes tcp1,tcp4src,http1,udp1]
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { findKind } from '../crds-equivalent/index.js';
import {
  createTopology,
  GATEWAY_IMAGE,
  Operator,
  operatorCommand,
  TESTHOST_IMAGE,
  type Topology,
} from '../e2e/harness/index.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { ipsCounters, IPS_KIND, switchScenario, type Switcher } from './lib/ips-control.js';
import { gatewayUsage, queueDelta, sampleGateway, suricataIpsStats, type GatewaySample } from './lib/ips-observe.js';
import { counterDelta, ipsThroughputTable, latencyTable, queueSpread, summarizeCounters } from './lib/ips-report.js';
import { summarizeLatency, summarizeUsage, type IpsRun, type IpsVisit } from './lib/ips-report.js';
import { IPS_SCENARIO_NAMES, ipsScenarios, policyManifests, type IpsScenario } from './lib/ips-scenarios.js';
import { runIperf, startIperfServer, TRAFFIC_MODES, type TrafficMode } from './lib/iperf.js';
import { addClientAddresses, iperfPorts } from './lib/iperf-sources.js';
import { HTTP_MODE, runHttpDownload } from './lib/http-bulk.js';
import { httpLatency, pingLatency } from './lib/latency-probe.js';
import { busyPercent, readMachineCpu } from './lib/proc.js';
import { codeVersion, defaultResultsDir, machineInfo, say, writeResults } from './lib/report.js';
import { throughputPolicy } from './lib/throughput-scenarios.js';
import { summarizeThroughput } from './lib/throughput-report.js';

const flags = parseFlags({
  rules: '1000',
  seed: '42',
  runs: '2',
  seconds: '8',
  modes: 'tcp1,tcp4src,http1',
  scenarios: IPS_SCENARIO_NAMES.join(','),
  cores: String(cpus().length),
  'bypass-after-bytes': String(1024 * 1024),
  'ips-mode': 'prevent',
  'failure-mode': 'failOpen',
  'packaged-rules': '*',
  pings: '300',
  'http-requests': '500',
  out: defaultResultsDir(),
});

/** Suricata writes its stats every 5 s (controllers/intrusion-prevention/model.ts); status follows within 1 s. */
const STATS_WAIT_MS = 6500;
const SETTLE_MS = 3000;

function trafficModes(): TrafficMode[] {
  const known: Record<string, TrafficMode> = {
    ...TRAFFIC_MODES,
    [HTTP_MODE]: { name: HTTP_MODE, protocol: 'tcp', streams: 1 },
  };
  return flags.modes.split(',').map((name) => {
    const mode = known[name.trim()];
    if (!mode) throw new Error(`--modes: unknown mode ${name} (known: ${Object.keys(known).join(', ')})`);
    return mode;
  });
}

/** scripts/build-images.sh for the harness's image names (CSGW_E2E_IMAGE_TAG); cached after the first build. */
async function buildImages(): Promise<void> {
  const root = resolve(defaultResultsDir(), '../..');
  const env = { GATEWAY_IMAGE, TESTHOST_IMAGE };
  await execa('bash', [resolve(root, 'scripts/build-images.sh')], {
    cwd: root,
    env,
    stdout: 'inherit',
    stderr: 'inherit',
  });
}

function hasBypass(): boolean {
  const schema = findKind(IPS_KIND)?.schema as { properties?: Record<string, unknown> } | undefined;
  return schema?.properties?.bypass !== undefined;
}

function ipsBase(): Record<string, unknown> {
  const packaged = flags['packaged-rules']
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    mode: flags['ips-mode'],
    failureMode: flags['failure-mode'],
    ...(packaged.length > 0 ? { packagedRules: packaged } : {}),
  };
}

interface Measure {
  t: Topology;
  op: Operator;
  seconds: number;
  modes: readonly TrafficMode[];
  /** The client's source addresses, clientIp first (modes with `sources` use several). */
  sources: readonly string[];
  runs: IpsRun[];
  visits: IpsVisit[];
}

async function suricataPid(op: Operator): Promise<number | undefined> {
  const details = (await op.controller(IPS_KIND))?.details as { running?: { pid?: number } } | undefined;
  return details?.running?.pid;
}

async function measureMode(m: Measure, s: IpsScenario, mode: TrafficMode, round: number): Promise<void> {
  const before = await sampleGateway(m.t);
  // The download gets the iperf3 run's whole time: its -t plus the omitted first second.
  const result =
    mode.name === HTTP_MODE
      ? await runHttpDownload(m.t, m.seconds + 1)
      : await runIperf(m.t, mode, m.seconds, m.sources);
  const usage = gatewayUsage(before, await sampleGateway(m.t));
  m.runs.push({
    round,
    scenario: s.name,
    mode: mode.name,
    load1m: Math.round(loadavg()[0]! * 100) / 100,
    ...result,
    usage,
  });
  const q = usage.queue;
  const queue = q
    ? `; queued ${(q.queued / usage.seconds / 1000).toFixed(1)} kpps (${q.ruleHits} rule hits; ${queueSpread(q.perQueue)})`
    : '';
  const retransmits = 'retransmits' in result ? `, ${result.retransmits} retransmits` : '';
  say(
    `  round ${round} ${s.name} ${mode.name}: ${(result.receivedBps / 1e9).toFixed(2)} Gbit/s${retransmits}; busy ` +
      `${usage.machine.busy} cores (softirq ${usage.machine.softirq}), suricata W ${usage.suricataWorkers.cores} ` +
      `(busiest ${usage.suricataWorkers.busiestCores})${queue}`,
  );
}

interface VisitMark {
  pid?: number;
  counters: Record<string, number>;
  ips: Record<string, number>;
  gateway: GatewaySample;
}

async function visitMark(m: Measure): Promise<VisitMark> {
  const [pid, counters, ips] = [await suricataPid(m.op), await ipsCounters(m.op), await suricataIpsStats(m.t)];
  return { ...(pid !== undefined ? { pid } : {}), counters, ips, gateway: await sampleGateway(m.t) };
}

/** Suricata's counters over a visit, next to what the kernel queued meanwhile. */
function visitCounters(a: VisitMark, b: VisitMark): Partial<IpsVisit> {
  const counters = counterDelta(a.counters, b.counters);
  const queue = queueDelta(a.gateway, b.gateway);
  const inspected = counters.bytesInspected;
  return {
    counters,
    suricataIps: counterDelta(a.ips, b.ips),
    ...(queue ? { queue } : {}),
    ...(queue?.ruleBytes && inspected !== undefined
      ? { inspectedByteShare: Math.round((inspected / queue.ruleBytes) * 1000) / 1000 }
      : {}),
    ...(a.pid !== b.pid ? { suricataRestarted: true } : {}),
  };
}

/** One scenario in one round: iperf3 per mode, then the latency probes, then Suricata's counters over the visit. */
async function measureVisit(m: Measure, s: IpsScenario, round: number): Promise<void> {
  // With Suricata: long enough for its first stats record after a restart, the baseline of the counters.
  await delay(s.ips ? STATS_WAIT_MS : SETTLE_MS);
  const start = s.ips ? await visitMark(m) : undefined;
  for (const mode of m.modes) await measureMode(m, s, mode, round);
  const ping = await pingLatency(m.t, positiveNumber('pings', flags.pings));
  const http = await httpLatency(m.t, positiveNumber('http-requests', flags['http-requests']));
  const visit: IpsVisit = { round, scenario: s.name, ping, http };
  if (start) {
    await delay(STATS_WAIT_MS); // Suricata's next stats record covers the whole visit
    Object.assign(visit, visitCounters(start, await visitMark(m)));
  }
  say(
    `  round ${round} ${s.name} latency: ping p50 ${ping.rtt.p50} p99 ${ping.rtt.p99} ms (lost ${ping.lost}), ` +
      `http p50 ${http.rtt.p50} p99 ${http.rtt.p99} ms` +
      (visit.inspectedByteShare !== undefined ? `; inspected/matched bytes ${visit.inspectedByteShare}` : ''),
  );
  m.visits.push(visit);
}

async function gatewayFacts(t: Topology): Promise<Record<string, string>> {
  const run = async (argv: string[]): Promise<string> => (await t.exec('gateway', argv)).stdout.trim();
  return {
    suricata: await run(['suricata', '-V']),
    iptables: await run(['iptables', '--version']),
    privateLink: await run(['ip', '-d', 'link', 'show', t.gatewayInterfaces.private]),
  };
}

async function setUp(cleanup: Cleanup, sourceCount: number): Promise<{ t: Topology; op: Operator; sources: string[] }> {
  // The harness's convention (scripts/test.sh): no Ryuk container; cleanup() removes everything of the run.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  say(`ips-throughput: building images ${GATEWAY_IMAGE}, ${TESTHOST_IMAGE} (cached) and the topology`);
  await buildImages();
  const t = await createTopology('bench-ips', { gatewayCommand: operatorCommand() });
  cleanup.add('remove the e2e topology', () => t.cleanup());
  const op = await Operator.connect(t);
  cleanup.add('remove the manifest temp dir', () => op.close());
  await op.apply({ kind: 'SourceNat', name: 'default', spec: { enable: true } });
  await op.waitForReady('SourceNat', 1, { timeoutMs: 60_000 });
  const sources = await addClientAddresses(t, sourceCount - 1);
  await startIperfServer(t, iperfPorts(sourceCount));
  return { t, op, sources };
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const seconds = positiveNumber('seconds', flags.seconds);
  const rounds = positiveNumber('runs', flags.runs);
  const rules = positiveNumber('rules', flags.rules);
  const bypass = hasBypass();
  const modes = trafficModes();
  const { t, op, sources } = await setUp(cleanup, Math.max(...modes.map((x) => x.sources ?? 1)));
  const firewall = policyManifests(throughputPolicy(t, rules, Number(flags.seed)));
  const scenarios = ipsScenarios(
    flags.scenarios.split(',').map((s) => s.trim()),
    {
      rules,
      cores: positiveNumber('cores', flags.cores),
      ipsBase: ipsBase(),
      ...(bypass ? { bypassAfterBytes: positiveNumber('bypass-after-bytes', flags['bypass-after-bytes']) } : {}),
    },
  );
  if (!bypass) say('  (the IntrusionPrevention kind has no spec.bypass here: the bypass scenario is skipped)');
  for (const s of scenarios) say(`  ${s.name}: ${s.description}`);
  const sw: Switcher = { t, op, firewall, ruleCount: rules };
  const m: Measure = { t, op, seconds, modes, sources, runs: [], visits: [] };
  await runIperf(t, TRAFFIC_MODES.tcp1!, 3); // warm-up: ARP, caches, the iperf3 server's first test
  const cpuStart = await readMachineCpu();
  let current: IpsScenario | undefined;
  for (let round = 1; round <= rounds; round++) {
    for (const s of round % 2 === 1 ? scenarios : [...scenarios].reverse()) {
      const switchStart = performance.now();
      await switchScenario(sw, current, s);
      current = s;
      say(`  round ${round} ${s.name}: in place after ${((performance.now() - switchStart) / 1000).toFixed(1)} s`);
      await measureVisit(m, s, round);
    }
  }
  const machineBusyPercent = busyPercent(cpuStart, await readMachineCpu());
  const summary = {
    throughput: summarizeThroughput(m.runs, seconds),
    usage: summarizeUsage(m.runs),
    latency: summarizeLatency(m.visits),
    counters: summarizeCounters(m.visits),
  };
  say(`\nReceived throughput, ${seconds} s runs (first second omitted), ${rounds} rounds; CPU in cores:\n`);
  say(ipsThroughputTable(summary.throughput, summary.usage));
  say(`\nLatency with no other traffic (ping every 10 ms; HTTP GET over one keep-alive connection):\n`);
  say(latencyTable(summary.latency));
  say(`\nSuricata counters, summed over the rounds:\n${JSON.stringify(summary.counters, null, 2)}`);
  const path = await writeResults(flags.out, 'ips-throughput', {
    benchmark: 'ips-throughput',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    gateway: await gatewayFacts(t),
    machineBusyPercent,
    code: await codeVersion(),
    params: { ...flags, out: undefined, bypassInSchema: bypass },
    topology: {
      privateSubnet: t.privateSubnet,
      publicSubnet: t.publicSubnet,
      clientIp: t.clientIp,
      clientSources: sources,
      serverIp: t.serverIp,
    },
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description, ips: s.ips })),
    firewallResources: firewall.length,
    summary,
    runs: m.runs,
    visits: m.visits,
  });
  say(`\nresults: ${path}`);
}

void runBenchmark(main);
