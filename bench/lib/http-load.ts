import type { Role, Topology } from '../../e2e/harness/index.js';

/**
 * A small HTTP load generator that runs inside a test host (`node -e`, the testhost image's node), so no
 * `docker exec` sits between two requests: the benchmark process only starts it and reads one JSON line back.
 *
 * A request goes either straight to the origin (`via: 'direct'`: `GET /path` to host:port, routed and NATed by the
 * gateway) or through a forward proxy (`via: 'proxy'`: `GET http://<urlHost><path>` in absolute form to the proxy,
 * with a Host header and, when given, Proxy-Authorization). `{n}` in a path is replaced by a per-variant sequence
 * number, so `/cacheable?id=miss-{n}` is a new URL (a cache miss) every time.
 */
export interface LoadVariant {
  name: string;
  via: 'direct' | 'proxy';
  /** Path and query; `{n}` becomes 0, 1, 2, ... (per variant). */
  path: string;
}

export interface LoadTargets {
  /** The origin as the client reaches it directly. */
  origin: { host: string; port: number };
  /** The proxy as the client reaches it. */
  proxy: { host: string; port: number };
  /** host:port of the origin as written in proxied URLs (the proxy resolves it). */
  urlHost: string;
  /** Basic credentials sent to the proxy (every request, pre-emptively, as browsers and curl do once challenged). */
  proxyAuth?: { user: string; password: string };
}

/** `concurrency` workers, each sending one request after another for `seconds`, over keep-alive connections. */
export interface RateRun {
  kind: 'rate';
  variant: LoadVariant;
  concurrency: number;
  seconds: number;
  keepAlive: boolean;
}

/** `rounds` rounds of one request per variant in turn (interleaved, so drift hits all alike), one at a time. */
export interface LatencyRun {
  kind: 'latency';
  variants: LoadVariant[];
  rounds: number;
  keepAlive: boolean;
}

export interface VariantResult {
  name: string;
  requests: number;
  /** Requests that got a response with status 200 and read it to the end. */
  ok: number;
  /** status -> count, and error code -> count for requests without a response. */
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** The proxy's X-Cache header, first word (HIT / MISS), -> count; absent for direct requests. */
  xCache: Record<string, number>;
  bodyBytes: number;
  /** Every request's time from sending to the last body byte (ms, 0.01 ms resolution), in completion order. */
  latenciesMs: number[];
}

export interface LoadResult {
  /** First request sent -> last response done (ms). */
  elapsedMs: number;
  /** CPU the generator itself used (user + system, ms): on 2 vCPUs it competes with what it measures. */
  cpuMs: number;
  variants: VariantResult[];
}

// Plain CommonJS for `node -e`; argv[1]: the JSON config. Prints one JSON line (LoadResult).
const GENERATOR = String.raw`
const http = require('node:http');
const cfg = JSON.parse(process.argv[1]);
const agent = new http.Agent({ keepAlive: cfg.keepAlive, maxSockets: cfg.concurrency || 1 });
const auth = cfg.targets.proxyAuth
  ? 'Basic ' + Buffer.from(cfg.targets.proxyAuth.user + ':' + cfg.targets.proxyAuth.password).toString('base64')
  : undefined;
const results = new Map();
const seq = new Map();
function resultOf(name) {
  if (!results.has(name)) {
    results.set(name, { name, requests: 0, ok: 0, statuses: {}, errors: {}, xCache: {}, bodyBytes: 0, latenciesMs: [] });
  }
  return results.get(name);
}
function bump(map, key) { map[key] = (map[key] || 0) + 1; }
function options(v) {
  const n = seq.get(v.name) || 0;
  seq.set(v.name, n + 1);
  const path = v.path.split('{n}').join(String(n));
  const t = cfg.targets;
  const common = { method: 'GET', agent: cfg.keepAlive ? agent : false, timeout: cfg.timeoutMs };
  if (v.via === 'direct') return { ...common, host: t.origin.host, port: t.origin.port, path };
  const headers = { Host: t.urlHost };
  if (auth) headers['Proxy-Authorization'] = auth;
  return { ...common, host: t.proxy.host, port: t.proxy.port, path: 'http://' + t.urlHost + path, headers };
}
function once(v) {
  const r = resultOf(v.name);
  r.requests += 1;
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(options(v), (res) => {
      bump(r.statuses, String(res.statusCode));
      const xc = res.headers['x-cache'];
      if (xc) bump(r.xCache, String(xc).split(' ')[0]);
      res.on('data', (chunk) => { r.bodyBytes += chunk.length; });
      res.on('end', () => {
        r.latenciesMs.push(Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100);
        if (res.statusCode === 200) r.ok += 1;
        resolve();
      });
      res.on('error', (e) => { bump(r.errors, e.code || e.message); resolve(); });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { bump(r.errors, e.code || e.message); resolve(); });
    req.end();
  });
}
async function main() {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (cfg.kind === 'rate') {
    resultOf(cfg.variant.name);
    const deadline = t0 + BigInt(Math.round(cfg.seconds * 1e9));
    const worker = async () => { while (process.hrtime.bigint() < deadline) await once(cfg.variant); };
    await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  } else {
    for (const v of cfg.variants) resultOf(v.name);
    for (let i = 0; i < cfg.rounds; i++) for (const v of cfg.variants) await once(v);
  }
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  process.stdout.write(JSON.stringify({ elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, variants: [...results.values()] }) + '\n');
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
`;

/** Runs one load run in `from` (default the client) and returns what the generator saw. */
export async function runLoad(
  t: Topology,
  targets: LoadTargets,
  run: RateRun | LatencyRun,
  opts: { from?: Role; timeoutMs?: number } = {},
): Promise<LoadResult> {
  const config = { ...run, targets, timeoutMs: opts.timeoutMs ?? 10_000 };
  const r = await t.exec(opts.from ?? 'client', ['node', '-e', GENERATOR, JSON.stringify(config)]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.exitCode !== 0 || !line.startsWith('{')) {
    throw new Error(`load generator failed (${r.exitCode}): ${r.stderr || r.stdout.slice(0, 500)}`);
  }
  return JSON.parse(line) as LoadResult;
}

/** One download with curl in the client, body discarded: curl's own timing (-w). */
export interface Download {
  httpCode: number;
  /** The proxy's answer to CONNECT (0 without a tunnel). */
  proxyCode: number;
  bytes: number;
  seconds: number;
  /** Time to the first body byte (curl %{time_starttransfer}). */
  firstByteSeconds: number;
  exitCode: number;
  stderr: string;
}

const WRITE_OUT = '%{http_code} %{http_connect} %{size_download} %{time_total} %{time_starttransfer}';

/** curl -o /dev/null of `url`, straight or through `proxy` (with `tunnel`: CONNECT first, --proxytunnel). */
export async function curlDownload(
  t: Topology,
  url: string,
  opts: { proxy?: { host: string; port: number }; tunnel?: boolean; maxTimeSec?: number } = {},
): Promise<Download> {
  const argv = ['curl', '-sS', '--max-time', String(opts.maxTimeSec ?? 120), '-o', '/dev/null', '-w', WRITE_OUT];
  if (opts.proxy) argv.push('--proxy', `http://${opts.proxy.host}:${opts.proxy.port}`);
  if (opts.tunnel) argv.push('--proxytunnel');
  const r = await t.exec('client', [...argv, url]);
  const [httpCode = 0, proxyCode = 0, bytes = 0, seconds = 0, firstByteSeconds = 0] = r.stdout
    .trim()
    .split(/\s+/)
    .map((v) => Number(v) || 0);
  return { httpCode, proxyCode, bytes, seconds, firstByteSeconds, exitCode: r.exitCode, stderr: r.stderr };
}
