import { runClosedLoop } from './closed-loop.js';

/**
 * Connections per second: many short TCP connections (connect, a small request, the answer, close) from a node
 * load generator that runs inside the client namespace (`node -e`), so no process start sits between two
 * connections. `concurrency` workers each open one connection after another for `seconds`; each connection goes
 * to the next destination in turn (the direct scenario spreads over the targets as the balancer does).
 *
 * The server answers the first bytes and closes first, so TIME_WAIT stays on the server side and the client's
 * ports are free again at once (a client that closed first would run out of ports within seconds).
 */
export interface ConnLoadConfig {
  destinations: { host: string; port: number }[];
  /** The client address to connect from. */
  source: string;
  concurrency: number;
  seconds: number;
  requestBytes: number;
  timeoutMs: number;
}

export interface ConnLoadResult {
  /** First connect -> last connection done (ms). */
  elapsedMs: number;
  /** Connections that got the whole answer. */
  ok: number;
  /** error code -> count (ECONNREFUSED, ETIMEDOUT, SHORT for an answer cut off...). */
  errors: Record<string, number>;
  /** Connect to the answer's last byte, per successful connection (ms, 0.01 ms resolution). */
  latenciesMs: number[];
  /** CPU the generator itself used (user + system, ms). */
  cpuMs: number;
}

export const ANSWER_BYTES = 128;

// Plain CommonJS for `node -e`; argv[1]: the port. Answers the first chunk with ANSWER_BYTES and closes.
export const CONN_SERVER = String.raw`
const net = require('node:net');
const answer = Buffer.alloc(${ANSWER_BYTES}, 0x61);
const server = net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => s.end(answer));
});
server.listen({ port: Number(process.argv[1]), host: '0.0.0.0', backlog: 4096 });
process.on('SIGTERM', () => process.exit(0));
`;

// Plain CommonJS for `node -e`; argv[1]: the JSON config. Prints one JSON line (ConnLoadResult).
const GENERATOR = String.raw`
const net = require('node:net');
const cfg = JSON.parse(process.argv[1]);
const request = Buffer.alloc(cfg.requestBytes, 0x62);
const r = { ok: 0, errors: {}, latenciesMs: [] };
let next = 0;
function bump(code) { r.errors[code] = (r.errors[code] || 0) + 1; }
function once() {
  const d = cfg.destinations[next++ % cfg.destinations.length];
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    let got = 0;
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      if (code) bump(code);
      else { r.ok += 1; r.latenciesMs.push(Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100); }
      s.destroy();
      resolve();
    };
    const s = net.connect({ host: d.host, port: d.port, localAddress: cfg.source }, () => s.write(request));
    s.setTimeout(cfg.timeoutMs, () => finish('TIMEOUT'));
    s.on('data', (c) => { got += c.length; });
    s.on('end', () => finish(got === ${ANSWER_BYTES} ? undefined : 'SHORT'));
    s.on('error', (e) => finish(e.code || e.message));
  });
}
`;

/** Runs one load run in the namespace `ns` with this process's node; returns what the generator saw. */
export function runConnLoad(ns: string, cfg: ConnLoadConfig): Promise<ConnLoadResult> {
  return runClosedLoop<ConnLoadResult>(ns, GENERATOR, cfg, 'connection load generator');
}
