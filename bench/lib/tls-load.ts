import { execa } from 'execa';
import { runClosedLoop } from './closed-loop.js';

/**
 * The TLS part's two node programs, run with `node -e` inside the lab's namespaces (no process start between two
 * requests): the HTTP origin on a target (plain, or HTTPS with the benchmark's certificate: the direct TLS backend),
 * and the handshake load generator in the client.
 */

/** The small answer of a handshake request. */
export const SMALL_BYTES = 128;

// Plain CommonJS; argv[1]: JSON { port, tls?: { cert, key, ciphers, minVersion } } (PEM file paths).
// GET /small answers SMALL_BYTES; GET /bytes?size=N streams N bytes in 64 KiB chunks.
export const ORIGIN_SERVER = String.raw`
const fs = require('node:fs');
const cfg = JSON.parse(process.argv[1]);
const chunk = Buffer.alloc(65536, 0x61);
const small = Buffer.alloc(${SMALL_BYTES}, 0x61);
function handle(req, res) {
  const url = new URL(req.url, 'http://origin');
  if (url.pathname === '/bytes') {
    let left = Number(url.searchParams.get('size')) || 0;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(small.length) });
  res.end(small);
}
const server = cfg.tls
  ? require('node:https').createServer({
      cert: fs.readFileSync(cfg.tls.cert),
      key: fs.readFileSync(cfg.tls.key),
      ciphers: cfg.tls.ciphers,
      minVersion: cfg.tls.minVersion,
    }, handle)
  : require('node:http').createServer(handle);
server.keepAliveTimeout = 10000;
server.listen({ port: cfg.port, host: '0.0.0.0', backlog: 4096 });
process.on('SIGTERM', () => process.exit(0));
`;

export interface HandshakeLoadConfig {
  host: string;
  port: number;
  /** The name the certificate is for (SNI and verification). */
  servername: string;
  /** PEM file of the CA that signed it (the self-signed certificate itself). */
  caFile: string;
  concurrency: number;
  seconds: number;
  timeoutMs: number;
}

export interface HandshakeLoadResult {
  elapsedMs: number;
  /** Connections that completed the handshake (certificate verified), a GET /small and its whole answer. */
  ok: number;
  errors: Record<string, number>;
  /** Connect to the end of the answer, per ok connection (ms). */
  latenciesMs: number[];
  /** Handshakes that resumed a session: 0 by design (every connection is a full handshake). */
  resumed: number;
  /** Negotiated protocol -> count (TLSv1.3 ...), and cipher -> count. */
  protocols: Record<string, number>;
  ciphers: Record<string, number>;
  cpuMs: number;
}

// Plain CommonJS; argv[1]: the JSON config. A new TLS connection per request, no session passed: full handshakes.
const GENERATOR = String.raw`
const tls = require('node:tls');
const fs = require('node:fs');
const cfg = JSON.parse(process.argv[1]);
const ca = fs.readFileSync(cfg.caFile);
const request = 'GET /small HTTP/1.1\r\nHost: ' + cfg.servername + '\r\nConnection: close\r\n\r\n';
const r = { ok: 0, errors: {}, latenciesMs: [], resumed: 0, protocols: {}, ciphers: {} };
function bump(map, key) { map[key] = (map[key] || 0) + 1; }
function once() {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      if (code) bump(r.errors, code);
      else { r.ok += 1; r.latenciesMs.push(Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100); }
      s.destroy();
      resolve();
    };
    const s = tls.connect({ host: cfg.host, port: cfg.port, servername: cfg.servername, ca }, () => {
      if (s.isSessionReused()) r.resumed += 1;
      bump(r.protocols, s.getProtocol());
      bump(r.ciphers, s.getCipher().name);
      s.write(request);
    });
    s.setEncoding('latin1');
    s.setTimeout(cfg.timeoutMs, () => finish('TIMEOUT'));
    s.on('data', (c) => {
      text += c;
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0 && text.length - head - 4 >= ${SMALL_BYTES}) finish(text.startsWith('HTTP/1.1 200') ? undefined : 'STATUS');
    });
    s.on('end', () => finish('SHORT'));
    s.on('error', (e) => finish(e.code || e.message));
  });
}
`;

/** One handshake run in namespace `ns`. */
export function runHandshakeLoad(ns: string, cfg: HandshakeLoadConfig): Promise<HandshakeLoadResult> {
  return runClosedLoop<HandshakeLoadResult>(ns, GENERATOR, cfg, 'handshake load generator');
}

export interface TlsDownload {
  bytes: number;
  seconds: number;
  httpCode: number;
}

/** curl of `size` bytes over HTTPS from `ns`, verified against `caFile`, body discarded: curl's own timing. */
export async function tlsDownload(
  ns: string,
  d: { servername: string; host: string; port: number; caFile: string; size: number },
): Promise<TlsDownload> {
  const url = `https://${d.servername}:${d.port}/bytes?size=${d.size}`;
  // HTTP/1.1 everywhere: the node origin speaks nothing else, and HAProxy would pick h2 by ALPN.
  const argv = ['curl', '-sS', '--http1.1', '--max-time', '120', '--cacert', d.caFile, '-o', '/dev/null'];
  argv.push('--resolve', `${d.servername}:${d.port}:${d.host}`, '-w', '%{http_code} %{size_download} %{time_total}');
  const r = await execa('ip', ['netns', 'exec', ns, ...argv, url], { reject: false });
  const [httpCode = 0, bytes = 0, seconds = 0] = r.stdout
    .trim()
    .split(/\s+/)
    .map((v) => Number(v) || 0);
  if (r.exitCode !== 0 || httpCode !== 200 || bytes !== d.size)
    throw new Error(
      `download from ${d.host}:${d.port} failed (${r.exitCode}, HTTP ${httpCode}, ${bytes} B): ${r.stderr}`,
    );
  return { bytes, seconds, httpCode };
}
