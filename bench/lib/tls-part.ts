import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERMEDIATE_CIPHERS } from '../../renderers/haproxy/model.js';
import type { Cleanup } from './cleanup.js';
import { perSecond, roundOrder, type Sample } from './l4-tls-report.js';
import type { LbLab } from './lb-lab.js';
import { startInNs, type NsProcess } from './ns-process.js';
import { readCpuSeconds } from './proc.js';
import { say } from './report.js';
import { rounded, summarize, type Summary } from './stats.js';
import { makeCertificate, renderBenchHaproxy, tlsTerminationSpec, TLS_SERVERNAME, type PemPair } from './tls-config.js';
import { ORIGIN_SERVER, runHandshakeLoad, tlsDownload } from './tls-load.js';

export interface TlsOptions {
  rounds: number;
  handshakeSeconds: number;
  concurrency: number;
  sizeMiB: number;
  /** Downloads per scenario and round. */
  downloads: number;
  scenarios: string[];
}

export const TLS_SCENARIO_NAMES = ['direct', 'gateway', 'direct-node'] as const;
const ORIGIN_PORT = 8081;
const HTTPS_PORT = 8443;
const NODE_HTTPS_PORT = 8444;

interface TlsScenario {
  name: string;
  description: string;
  host: string;
  port: number;
  /** The process that terminates TLS (its CPU per handshake is reported). */
  terminator: NsProcess;
}

export interface HandshakeRun {
  round: number;
  scenario: string;
  handshakesPerSec: number;
  ok: number;
  errors: Record<string, number>;
  resumed: number;
  protocols: Record<string, number>;
  ciphers: Record<string, number>;
  latencyMs: Summary;
  /** CPU of the TLS-terminating process per handshake (µs), and of the load generator. */
  terminatorUsPerHandshake: number;
  generatorUsPerHandshake: number;
}

export interface DownloadRun {
  round: number;
  scenario: string;
  bytes: number;
  seconds: number;
  mbPerSec: number;
}

export interface TlsResult {
  scenarios: { name: string; description: string }[];
  haproxyConfig: string;
  samples: Sample[];
  handshakeRuns: HandshakeRun[];
  downloadRuns: DownloadRun[];
}

async function startHaproxy(cleanup: Cleanup, ns: string, name: string, spec: Record<string, unknown>, pem: PemPair) {
  const dir = join(pem.certFile, '..', name);
  await mkdir(dir, { recursive: true });
  const rendered = await renderBenchHaproxy(spec, pem, dir);
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, rendered.config);
  // The operator runs master-worker (-W); one process here, so its CPU is the TLS work (plus HTTP relaying).
  const proc = await startInNs(cleanup, `haproxy (${name})`, ns, ['haproxy', '-db', '-f', cfg], HTTPS_PORT);
  return { proc, config: rendered.config };
}

/** The origin (plain HTTP, and HTTPS for direct-node) on target 1, and one HAProxy on target 1 and one on the gateway. */
async function startTlsServers(cleanup: Cleanup, lab: LbLab, names: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-tls-'));
  cleanup.add('remove the TLS temp dir', () => rm(dir, { recursive: true, force: true }));
  const pem = await makeCertificate(dir);
  const [ns = '', host = ''] = [lab.targetNs[0], lab.targetIps[0]];
  const origin = { address: host, port: ORIGIN_PORT };
  const originArgv = (cfg: unknown): string[] => [process.execPath, '-e', ORIGIN_SERVER, JSON.stringify(cfg)];
  await startInNs(cleanup, 'origin (http)', ns, originArgv({ port: ORIGIN_PORT }), ORIGIN_PORT);
  const direct = await startHaproxy(
    cleanup,
    ns,
    'direct',
    tlsTerminationSpec({ address: host, httpsPort: HTTPS_PORT }, origin),
    pem,
  );
  const gwSpec = tlsTerminationSpec({ address: lab.gatewayIp, httpsPort: HTTPS_PORT }, origin);
  const gateway = await startHaproxy(cleanup, lab.gatewayNs, 'gateway', gwSpec, pem);
  const all: TlsScenario[] = [
    {
      name: 'direct',
      description: `HAProxy on the target (${host}:${HTTPS_PORT}), same rendered config, origin over the target's own address`,
      host,
      port: HTTPS_PORT,
      terminator: direct.proc,
    },
    {
      name: 'gateway',
      description: `HAProxy on the gateway (${lab.gatewayIp}:${HTTPS_PORT}), plain HTTP to the origin on the target`,
      host: lab.gatewayIp,
      port: HTTPS_PORT,
      terminator: gateway.proc,
    },
  ];
  if (names.includes('direct-node')) {
    const tls = { cert: pem.certFile, key: pem.keyFile, ciphers: INTERMEDIATE_CIPHERS, minVersion: 'TLSv1.2' };
    const proc = await startInNs(
      cleanup,
      'origin (https)',
      ns,
      originArgv({ port: NODE_HTTPS_PORT, tls }),
      NODE_HTTPS_PORT,
    );
    all.push({
      name: 'direct-node',
      description: `the origin itself over HTTPS (node, same certificate and ciphers) on ${host}:${NODE_HTTPS_PORT}`,
      host,
      port: NODE_HTTPS_PORT,
      terminator: proc,
    });
  }
  const scenarios = names.map((n) => {
    const s = all.find((x) => x.name === n);
    if (!s) throw new Error(`--tls-scenarios: unknown scenario ${n} (known: ${TLS_SCENARIO_NAMES.join(', ')})`);
    return s;
  });
  return { scenarios, caFile: pem.certFile, haproxyConfig: gateway.config };
}

const cpuOf = async (p: NsProcess): Promise<number> => (await readCpuSeconds(p.pid))?.self ?? Number.NaN;

interface Ctx {
  lab: LbLab;
  opts: TlsOptions;
  caFile: string;
  result: TlsResult;
}

async function measureHandshakes(c: Ctx, s: TlsScenario, round: number): Promise<void> {
  const cpu0 = await cpuOf(s.terminator);
  const r = await runHandshakeLoad(c.lab.clientNs, {
    host: s.host,
    port: s.port,
    servername: TLS_SERVERNAME,
    caFile: c.caFile,
    concurrency: c.opts.concurrency,
    seconds: c.opts.handshakeSeconds,
    timeoutMs: 10_000,
  });
  const cpu = (await cpuOf(s.terminator)) - cpu0;
  const perHs = (seconds: number): number => (r.ok > 0 ? Math.round((seconds * 1e6) / r.ok) : 0);
  const run: HandshakeRun = {
    round,
    scenario: s.name,
    handshakesPerSec: Math.round(perSecond(r.ok, r.elapsedMs)),
    ok: r.ok,
    errors: r.errors,
    resumed: r.resumed,
    protocols: r.protocols,
    ciphers: r.ciphers,
    latencyMs: rounded(summarize(r.latenciesMs), 2),
    terminatorUsPerHandshake: perHs(cpu),
    generatorUsPerHandshake: perHs(r.cpuMs / 1000),
  };
  c.result.handshakeRuns.push(run);
  const base = { scenario: s.name, round };
  c.result.samples.push(
    { ...base, metric: 'handshakes/s', value: perSecond(r.ok, r.elapsedMs) },
    { ...base, metric: 'handshake p50 ms', value: run.latencyMs.p50 },
    { ...base, metric: 'TLS server CPU µs/handshake', value: run.terminatorUsPerHandshake },
  );
  const errors = Object.keys(r.errors).length > 0 ? ` errors ${JSON.stringify(r.errors)}` : '';
  say(
    `  round ${round} ${s.name} handshakes: ${run.handshakesPerSec}/s, p50 ${run.latencyMs.p50} ms, ` +
      `${run.terminatorUsPerHandshake} µs CPU each${errors}`,
  );
}

async function measureDownloads(c: Ctx, s: TlsScenario, round: number): Promise<void> {
  const size = Math.round(c.opts.sizeMiB * 1024 * 1024);
  for (let i = 0; i < c.opts.downloads; i++) {
    const d = await tlsDownload(c.lab.clientNs, {
      servername: TLS_SERVERNAME,
      host: s.host,
      port: s.port,
      caFile: c.caFile,
      size,
    });
    const mbPerSec = d.bytes / d.seconds / 1e6;
    c.result.downloadRuns.push({ round, scenario: s.name, bytes: d.bytes, seconds: d.seconds, mbPerSec });
    c.result.samples.push({ scenario: s.name, metric: 'download MB/s', round, value: mbPerSec });
    say(`  round ${round} ${s.name} download: ${mbPerSec.toFixed(0)} MB/s`);
  }
}

/** The TLS part: certificate, origin, the two HAProxies (and node HTTPS), then every scenario per round. */
export async function runTls(cleanup: Cleanup, lab: LbLab, opts: TlsOptions): Promise<TlsResult> {
  // The gateway forwards plain routing only: no balancer table in this part.
  await lab.run(lab.gatewayNs, ['nft', 'flush', 'ruleset']);
  const { scenarios, caFile, haproxyConfig } = await startTlsServers(cleanup, lab, opts.scenarios);
  const result: TlsResult = {
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    haproxyConfig,
    samples: [],
    handshakeRuns: [],
    downloadRuns: [],
  };
  for (const s of scenarios) say(`  ${s.name}: ${s.description}`);
  const c: Ctx = { lab, opts, caFile, result };
  // Warm-up and a check that every path serves: one small download each, unmeasured.
  for (const s of scenarios)
    await tlsDownload(lab.clientNs, { servername: TLS_SERVERNAME, host: s.host, port: s.port, caFile, size: 1 << 20 });
  for (let round = 1; round <= opts.rounds; round++)
    for (const s of roundOrder(scenarios, round)) {
      await measureHandshakes(c, s, round);
      await measureDownloads(c, s, round);
    }
  return result;
}
