/**
 * The forward proxy (squid 5.7, run by the ForwardProxy controller in the gateway container of the e2e topology)
 * against a direct fetch through the same gateway, in the same run: client ─ gateway ─ server (echo server on 8080
 * and, plain HTTP as well, on 443 for CONNECT). The direct baseline is the client's own route through the gateway,
 * NATed by a SourceNat resource; the proxied path is squid on the gateway's private address.
 *
 * - throughput: one large uncacheable download (/bytes, no-store) direct, through squid (HTTP) and through a CONNECT
 *   tunnel, `--reps` times each, order reversed every other repetition; median MB/s and the ratio to direct;
 * - requests/s: `--concurrency` keep-alive workers for `--rate-seconds` (a node load generator inside the client):
 *   direct, proxied misses (uncacheable URL), proxied hits (one cached URL); `--rounds` rounds, order alternating;
 * - latency: one request at a time, a fresh connection each, interleaved direct / miss (a new cacheable URL each
 *   time) / hit (one cached URL, TCP_MEM_HIT), p50/p95/p99;
 * - with `--auth true` the requests/s and latency parts again with Basic authentication on (the e2e fixture user).
 *
 * Hits and misses are confirmed from squid's access log and from the X-Cache header the client got; at the end the
 * controller's status counters are compared with the access log and with what the benchmark sent.
 *
 *   npm run build && node dist/bench/proxy.js [--size-mib 512] [--reps 5] [--rate-seconds 8] [--rounds 2]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { execa } from 'execa';
import {
  createTopology,
  curlServer,
  curlViaProxy,
  gatewayProxy,
  Operator,
  operatorCommand,
  squidPid,
  waitFor,
  type Manifest,
  type Topology,
} from '../e2e/harness/index.js';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { curlDownload, runLoad, type LoadTargets, type LoadVariant } from './lib/http-load.js';
import { busyPercent, readMachineCpu } from './lib/proc.js';
import {
  checkCounters,
  KIND,
  proxyDetails,
  settledCounters,
  squidHealth,
  type ProxyDetails,
} from './lib/proxy-counters.js';
import { accessLogMark, accessLogTally, cpuByCommand, cpuDelta, type LogTally } from './lib/proxy-observe.js';
import {
  downloadTable,
  latencyTable,
  rateTable,
  summarizeDownloads,
  summarizeLatency,
  summarizeRates,
  type DownloadPath,
  type DownloadRun,
  type LatencySummary,
  type RateRunRecord,
} from './lib/proxy-report.js';
import { codeVersion, defaultResultsDir, machineInfo, say, writeResults } from './lib/report.js';
import { summarize } from './lib/stats.js';

const flags = parseFlags({
  'size-mib': '512',
  reps: '5',
  concurrency: '16',
  'rate-seconds': '8',
  rounds: '2',
  'latency-requests': '200',
  'body-bytes': '128',
  'keep-alive': 'true',
  'latency-keep-alive': 'false',
  auth: 'true',
  out: defaultResultsDir(),
});

const ORIGIN = 'origin.example';
const PROXY_PORT = 3128;
const TUNNEL_PORT = 443;
// The e2e fixture (e2e/forward-proxy.test.ts): `openssl passwd -apr1 -salt csgwE2E1 proxy-pass-e2e`.
const USER = 'alice';
const PASSWORD = 'proxy-pass-e2e';
const HTPASSWD = `${USER}:$apr1$csgwE2E1$Ad.vVcEHT5XUR2GaSvdb30\n`;

type Phase = 'open' | 'auth';

interface Bench {
  t: Topology;
  op: Operator;
  /** Unique per run: the cacheable ids never collide with an earlier run's cache. */
  tag: string;
  /** Requests the benchmark sent through the proxy since the counters' baseline. */
  sentThroughProxy: number;
  keepAlive: boolean;
}

function manifests(t: Topology, auth: boolean): Manifest[] {
  const proxy: Record<string, unknown> = {
    enable: true,
    port: PROXY_PORT,
    allowedClientCidrs: [t.privateSubnet],
    cache: { enabled: true, memoryMb: 64, diskMb: 0, maxObjectSizeKb: 1024 },
    connectPorts: [TUNNEL_PORT],
    ...(auth
      ? { authentication: { type: 'basic', realm: 'csgw-bench', secretRef: { name: 'proxy-users', key: 'htpasswd' } } }
      : {}),
  };
  return [
    { kind: 'SourceNat', name: 'default', spec: { enable: true, sourceCidrs: [t.privateSubnet] } },
    { kind: 'Secret', name: 'proxy-users', spec: { data: { htpasswd: HTPASSWD } } },
    { kind: KIND, name: 'default', spec: proxy },
  ];
}

function targets(t: Topology, phase: Phase): LoadTargets {
  return {
    origin: { host: t.serverIp, port: t.serverPort },
    proxy: { host: t.gatewayPrivateIp, port: PROXY_PORT },
    urlHost: `${ORIGIN}:${t.serverPort}`,
    ...(phase === 'auth' ? { proxyAuth: { user: USER, password: PASSWORD } } : {}),
  };
}

/** scripts/build-images.sh from the source tree (as forwarding-throughput does); needs `npm run build` first. */
async function buildImages(): Promise<void> {
  const root = resolve(defaultResultsDir(), '../..');
  await execa('bash', [resolve(root, 'scripts/build-images.sh')], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
}

/** Waits until direct fetches are NATed (the server sees the gateway's public address) and squid answers both ways. */
async function checkPaths(b: Bench): Promise<void> {
  const { t } = b;
  const direct = await waitFor(async () => (await curlServer(t, '/')).reply, { timeoutMs: 30_000, what: 'NAT' });
  if (direct.remoteAddress !== t.gatewayPublicIp) throw new Error(`direct fetch not NATed: ${direct.remoteAddress}`);
  const via = gatewayProxy(t, PROXY_PORT);
  const proxied = await waitFor(
    async () => {
      const r = await curlViaProxy(t, via, `http://${ORIGIN}:${t.serverPort}/`);
      return r.httpCode === 200 && r;
    },
    { timeoutMs: 30_000, what: 'a reply through the proxy' },
  );
  const seen = (JSON.parse(proxied.body) as { remoteAddress: string }).remoteAddress;
  if (seen !== t.gatewayPublicIp) throw new Error(`proxied fetch came from ${seen}`);
  const tunnel = await curlViaProxy(t, via, `http://${ORIGIN}:${TUNNEL_PORT}/`, { tunnel: true });
  if (tunnel.proxyCode !== 200 || tunnel.httpCode !== 200) throw new Error(`CONNECT failed: ${tunnel.stderr}`);
}

function clientLogged(tally: LogTally): Record<string, number> {
  return Object.fromEntries(
    Object.entries(tally.byKey)
      .filter(([key]) => key.startsWith('client '))
      .map(([key, n]) => [key.slice('client '.length), n]),
  );
}

const load1m = (): number => Math.round(loadavg()[0]! * 100) / 100;

function downloadUrl(t: Topology, path: DownloadPath, size: number, id: string): string {
  const query = `/bytes?size=${size}&dl=${id}`;
  if (path === 'direct') return `http://${t.serverIp}:${t.serverPort}${query}`;
  return `http://${ORIGIN}:${path === 'tunnel' ? TUNNEL_PORT : t.serverPort}${query}`;
}

async function download(b: Bench, path: DownloadPath, size: number, rep: number): Promise<DownloadRun> {
  const { t } = b;
  const url = downloadUrl(t, path, size, `${b.tag}-${rep}-${path}`);
  const mark = await accessLogMark(t);
  const [g0, s0] = [await cpuByCommand(t, 'gateway'), await cpuByCommand(t, 'server')];
  const proxy = { host: t.gatewayPrivateIp, port: PROXY_PORT };
  const d = await curlDownload(t, url, path === 'direct' ? {} : { proxy, tunnel: path === 'tunnel' });
  const [g, s] = [cpuDelta(g0, await cpuByCommand(t, 'gateway')), cpuDelta(s0, await cpuByCommand(t, 'server'))];
  if (path !== 'direct') b.sentThroughProxy += 1;
  if (d.exitCode !== 0 || d.httpCode !== 200 || d.bytes !== size) {
    throw new Error(`${path} download: curl ${d.exitCode}, HTTP ${d.httpCode}, ${d.bytes} B: ${d.stderr}`);
  }
  const run: DownloadRun = {
    rep,
    path,
    bytes: d.bytes,
    seconds: d.seconds,
    mbPerSec: Math.round((d.bytes / d.seconds / 1e6) * 10) / 10,
    firstByteMs: Math.round(d.firstByteSeconds * 1e4) / 10,
    squidCpuSeconds: g.squid ?? 0,
    originCpuSeconds: s.node ?? 0,
    logged: path === 'direct' ? {} : clientLogged(await accessLogTally(t, mark)),
    load1m: load1m(),
  };
  say(
    `  rep ${rep} ${path}: ${run.mbPerSec} MB/s, squid ${run.squidCpuSeconds.toFixed(2)} s CPU ${JSON.stringify(run.logged)}`,
  );
  return run;
}

async function downloads(b: Bench, size: number, reps: number): Promise<DownloadRun[]> {
  const paths: DownloadPath[] = ['direct', 'proxy', 'tunnel'];
  const runs: DownloadRun[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const path of rep % 2 === 1 ? paths : [...paths].reverse()) runs.push(await download(b, path, size, rep));
  }
  return runs;
}

function rateVariants(b: Bench, phase: Phase): LoadVariant[] {
  const body = positiveNumber('body-bytes', flags['body-bytes']);
  return [
    { name: 'direct', via: 'direct', path: `/bytes?size=${body}` },
    { name: 'proxy-miss', via: 'proxy', path: `/bytes?size=${body}` },
    { name: 'proxy-hit', via: 'proxy', path: `/cacheable?id=${b.tag}-${phase}-hot` },
  ];
}

const perRequestUs = (seconds: number | undefined, requests: number): number =>
  requests > 0 ? Math.round(((seconds ?? 0) * 1e6) / requests) : 0;

async function rateRun(b: Bench, phase: Phase, variant: LoadVariant, round: number): Promise<RateRunRecord> {
  const { t } = b;
  const concurrency = positiveNumber('concurrency', flags.concurrency);
  const seconds = positiveNumber('rate-seconds', flags['rate-seconds']);
  const mark = await accessLogMark(t);
  const [g0, s0] = [await cpuByCommand(t, 'gateway'), await cpuByCommand(t, 'server')];
  const load = await runLoad(t, targets(t, phase), {
    kind: 'rate',
    variant,
    concurrency,
    seconds,
    keepAlive: b.keepAlive,
  });
  const [g, s] = [cpuDelta(g0, await cpuByCommand(t, 'gateway')), cpuDelta(s0, await cpuByCommand(t, 'server'))];
  const v = load.variants[0]!;
  if (variant.via === 'proxy') b.sentThroughProxy += v.requests;
  const lat = summarize(v.latenciesMs);
  const record: RateRunRecord = {
    round,
    phase,
    variant: variant.name,
    concurrency,
    keepAlive: b.keepAlive,
    requests: v.requests,
    ok: v.ok,
    rps: Math.round((v.ok / load.elapsedMs) * 1000),
    latency: { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max },
    statuses: v.statuses,
    errors: v.errors,
    xCache: v.xCache,
    cpuUsPerRequest: {
      generator: perRequestUs(load.cpuMs / 1000, v.requests),
      squid: perRequestUs(g.squid, v.requests),
      origin: perRequestUs(s.node, v.requests),
      operator: perRequestUs(g.node, v.requests),
    },
    logged: clientLogged(await accessLogTally(t, mark)),
    load1m: load1m(),
  };
  say(
    `  round ${round} ${phase} ${variant.name}: ${record.rps} req/s, p50 ${lat.p50} ms, p99 ${lat.p99} ms, ` +
      `X-Cache ${JSON.stringify(v.xCache)}, log ${JSON.stringify(record.logged)}`,
  );
  return record;
}

async function rates(b: Bench, phase: Phase, rounds: number): Promise<RateRunRecord[]> {
  const variants = rateVariants(b, phase);
  const runs: RateRunRecord[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) runs.push(await rateRun(b, phase, v, round));
  }
  return runs;
}

/** Puts the hit variants' objects in the cache and checks the next request is served from it. */
async function primeCache(b: Bench, phase: Phase, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const variant: LoadVariant = { name: 'prime', via: 'proxy', path };
    const run = async (): Promise<Record<string, number>> =>
      (await runLoad(b.t, targets(b.t, phase), { kind: 'latency', variants: [variant], rounds: 1, keepAlive: false }))
        .variants[0]!.xCache;
    await run();
    const second = await run();
    b.sentThroughProxy += 2;
    if (!second.HIT) throw new Error(`${path} was not served from the cache (X-Cache ${JSON.stringify(second)})`);
  }
}

/** Short unrecorded runs of every variant (connections, JIT, squid's first allocations). */
async function warmUp(b: Bench, phase: Phase): Promise<void> {
  for (const variant of rateVariants(b, phase)) {
    const load = await runLoad(b.t, targets(b.t, phase), {
      kind: 'rate',
      variant,
      concurrency: positiveNumber('concurrency', flags.concurrency),
      seconds: 1,
      keepAlive: b.keepAlive,
    });
    if (variant.via === 'proxy') b.sentThroughProxy += load.variants[0]!.requests;
  }
}

interface LatencyResult {
  summaries: LatencySummary[];
  samples: Record<string, number[]>;
  xCache: Record<string, Record<string, number>>;
  logged: Record<string, number>;
}

async function latency(b: Bench, phase: Phase, rounds: number): Promise<LatencyResult> {
  const hot = `/cacheable?id=${b.tag}-${phase}-lat-hot`;
  await primeCache(b, phase, [hot]);
  const variants: LoadVariant[] = [
    { name: 'direct', via: 'direct', path: `/cacheable?id=${b.tag}-${phase}-lat-direct-{n}` },
    { name: 'proxy-miss', via: 'proxy', path: `/cacheable?id=${b.tag}-${phase}-lat-miss-{n}` },
    { name: 'proxy-hit', via: 'proxy', path: hot },
  ];
  const mark = await accessLogMark(b.t);
  const keepAlive = flags['latency-keep-alive'] === 'true';
  const load = await runLoad(b.t, targets(b.t, phase), { kind: 'latency', variants, rounds, keepAlive });
  b.sentThroughProxy += 2 * rounds;
  const logged = clientLogged(await accessLogTally(b.t, mark));
  const count = (o: Record<string, number>): number => Object.values(o).reduce((a, n) => a + n, 0);
  const summaries = summarizeLatency(
    phase,
    load.variants.map((v) => ({ variant: v.name, latenciesMs: v.latenciesMs, errors: count(v.errors) })),
  );
  say(`  ${phase}: X-Cache ${JSON.stringify(Object.fromEntries(load.variants.map((v) => [v.name, v.xCache])))}`);
  say(`  ${phase}: access log ${JSON.stringify(logged)}`);
  return {
    summaries,
    samples: Object.fromEntries(load.variants.map((v) => [v.name, v.latenciesMs])),
    xCache: Object.fromEntries(load.variants.map((v) => [v.name, v.xCache])),
    logged,
  };
}

/** Turns Basic authentication on and checks that it is enforced (407 without, 200 with the fixture user). */
async function enableAuth(b: Bench): Promise<void> {
  const { t, op } = b;
  const before = (await proxyDetails(op)).running?.hash;
  await op.apply(...manifests(t, true));
  await op.waitForReady(KIND, 2, { accept: (s) => (s.details as ProxyDetails).running?.hash !== before });
  const url = `http://${ORIGIN}:${t.serverPort}/`;
  await waitFor(
    async () => {
      b.sentThroughProxy += 1;
      return (await curlViaProxy(t, gatewayProxy(t, PROXY_PORT), url)).httpCode === 407;
    },
    { timeoutMs: 20_000, what: '407 without credentials' },
  );
  const allowed = await curlViaProxy(t, gatewayProxy(t, PROXY_PORT, [USER, PASSWORD]), url);
  b.sentThroughProxy += 1;
  if (allowed.httpCode !== 200) throw new Error(`auth: HTTP ${allowed.httpCode} with the fixture user`);
}

async function setUp(cleanup: Cleanup): Promise<Bench> {
  say('proxy: building images (cached after the first time) and the topology');
  await buildImages();
  const t = await createTopology('bench-proxy', {
    gatewayCommand: operatorCommand(),
    serverExtraPorts: [TUNNEL_PORT],
    gatewayHosts: { [ORIGIN]: 'server' },
  });
  cleanup.add('remove the e2e topology', () => t.cleanup());
  const op = await Operator.connect(t);
  cleanup.add('remove the manifests', () => op.close());
  await op.apply(...manifests(t, false));
  await op.waitForReady('SourceNat', 1, { timeoutMs: 60_000 });
  await op.waitForReady(KIND, 1, {
    accept: (s) => (s.details as ProxyDetails).running?.pid !== undefined,
    timeoutMs: 60_000,
  });
  const b: Bench = { t, op, tag: t.runId, sentThroughProxy: 0, keepAlive: flags['keep-alive'] === 'true' };
  await checkPaths(b);
  return b;
}

async function gatewayFacts(t: Topology): Promise<Record<string, unknown>> {
  const pid = await squidPid(t);
  const args = pid ? (await t.exec('gateway', ['cat', `/proc/${pid}/cmdline`])).stdout.split('\0') : [];
  const config = args[args.indexOf('-f') + 1];
  return {
    squid: (await t.exec('gateway', ['squid', '-v'])).stdout.split('\n')[0],
    squidArgs: args.filter(Boolean),
    squidConf: config ? (await t.exec('gateway', ['cat', config])).stdout : undefined,
  };
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const code = await codeVersion();
  const size = Math.round(positiveNumber('size-mib', flags['size-mib']) * 1024 * 1024);
  const reps = positiveNumber('reps', flags.reps);
  const rounds = positiveNumber('rounds', flags.rounds);
  const latencyRounds = positiveNumber('latency-requests', flags['latency-requests']);
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const b = await setUp(cleanup);
  const gateway = await gatewayFacts(b.t);
  const pidAtStart = await squidPid(b.t);

  say('\nwarm-up');
  for (const path of ['direct', 'proxy', 'tunnel'] as const) await download(b, path, 16 * 1024 * 1024, 0);
  await primeCache(b, 'open', [rateVariants(b, 'open')[2]!.path]);
  await warmUp(b, 'open');
  const countersStart = await settledCounters(b.op);
  const mark = await accessLogMark(b.t);
  b.sentThroughProxy = 0;
  const cpuStart = await readMachineCpu();

  say(`\nthroughput: ${size / 1024 / 1024} MiB per download, ${reps} repetitions`);
  const downloadRuns = await downloads(b, size, reps);
  say(`\nrequests/s: ${flags.concurrency} workers × ${flags['rate-seconds']} s, ${rounds} rounds`);
  const rateRuns = await rates(b, 'open', rounds);
  say(`\nlatency: ${latencyRounds} × (direct, miss, hit), one request at a time`);
  const latencies = [await latency(b, 'open', latencyRounds)];
  if (flags.auth === 'true') {
    say('\nBasic authentication on');
    await enableAuth(b);
    await primeCache(b, 'auth', [rateVariants(b, 'auth')[2]!.path]);
    await warmUp(b, 'auth');
    rateRuns.push(...(await rates(b, 'auth', rounds)));
    latencies.push(await latency(b, 'auth', latencyRounds));
  }
  const machineBusyPercent = busyPercent(cpuStart, await readMachineCpu());
  const counters = await checkCounters(b.t, b.op, b.sentThroughProxy, countersStart, mark);
  const health = await squidHealth(b.t, b.op, pidAtStart);

  const downloadSummary = summarizeDownloads(downloadRuns);
  const rateSummary = summarizeRates(rateRuns);
  const latencySummary = latencies.flatMap((l) => l.summaries);
  say(`\nDownload of ${size / 1024 / 1024} MiB (/bytes, no-store), ${reps} repetitions:\n`);
  say(downloadTable(downloadSummary));
  say(`\nSmall requests (${flags['body-bytes']} B body / cached JSON), ${flags.concurrency} keep-alive workers:\n`);
  say(rateTable(rateSummary));
  say('\nSingle-request latency (fresh connection each):\n');
  say(latencyTable(latencySummary));
  say(`\nCounters: sent through the proxy ${counters.sentThroughProxy}`);
  say(
    `  access log (client lines ${counters.accessLog.clientLines}, squid's own ${counters.accessLog.localLines}): ${JSON.stringify(counters.accessLogClassified)}`,
  );
  say(`  controller status counters (delta):  ${JSON.stringify(counters.counters)}`);
  say(`  whole log ${JSON.stringify(counters.total.accessLogClassified)}`);
  say(`  counters  ${JSON.stringify(counters.total.counters)}`);
  say(`  other outcomes in the access log: ${counters.unusualLines.length}`);
  for (const line of counters.unusualLines.slice(0, 10)) say(`    ${line}`);
  say(`\nsquid: ${JSON.stringify(health)}`);

  const path = await writeResults(flags.out, 'proxy', {
    benchmark: 'proxy',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    machineBusyPercent,
    code,
    params: { ...flags, out: undefined },
    topology: {
      privateSubnet: b.t.privateSubnet,
      publicSubnet: b.t.publicSubnet,
      clientIp: b.t.clientIp,
      serverIp: b.t.serverIp,
      proxy: `${b.t.gatewayPrivateIp}:${PROXY_PORT}`,
    },
    gateway,
    summary: { downloads: downloadSummary, rates: rateSummary, latency: latencySummary },
    counters,
    health,
    downloads: downloadRuns,
    rates: rateRuns,
    latency: latencies.map((l) => ({ xCache: l.xCache, logged: l.logged, samples: l.samples })),
  });
  say(`\nresults: ${path}`);
}

void runBenchmark(main);
