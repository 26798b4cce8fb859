import type { Topology } from '../../e2e/harness/index.js';
import { rounded, summarize, type Summary } from './stats.js';

/**
 * Latency through the gateway, from the client host of an e2e topology, with no other traffic running: ICMP echo
 * round trips (ping), and HTTP request/response round trips over one keep-alive TCP connection to the server's echo
 * server (a small node script: the testhost image has node, and the request passes Suricata's HTTP parser).
 */

export interface LatencyResult {
  /** Round-trip times (ms). */
  rtt: Summary;
  /** Probes sent and lost (ping) or failed (HTTP: the run stops at the first error). */
  sent: number;
  lost: number;
}

/** `ping -n` output: one `time=<ms> ms` per reply, and the `N packets transmitted, M received` summary. */
export function parsePing(text: string): LatencyResult {
  const times = [...text.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(text);
  if (!summary) throw new Error(`ping: no summary in ${JSON.stringify(text.slice(-300))}`);
  const [sent, received] = [Number(summary[1]), Number(summary[2])];
  return { rtt: rounded(summarize(times), 3), sent, lost: sent - received };
}

/** Sequential pings every `intervalMs` (root in the client: intervals under 200 ms are allowed). */
export async function pingLatency(t: Topology, count: number, intervalMs = 10): Promise<LatencyResult> {
  const argv = ['ping', '-n', '-c', String(count), '-i', String(intervalMs / 1000), '-W', '1', t.serverIp];
  const r = await t.exec('client', argv);
  return parsePing(r.stdout);
}

// Plain CommonJS for `node -e`; argv: host, port, requests. Prints a JSON array of round trips (ms) or {error}.
const HTTP_RR = `
const http = require('node:http');
const [host, port, n] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const rtts = [];
const one = () => {
  const start = process.hrtime.bigint();
  http.get({ host, port: Number(port), path: '/', agent }, (res) => {
    res.resume();
    res.on('end', () => {
      rtts.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (rtts.length < Number(n)) one();
      else { console.log(JSON.stringify(rtts)); agent.destroy(); }
    });
  }).on('error', (e) => { console.log(JSON.stringify({ error: e.code || e.message, done: rtts.length })); agent.destroy(); });
};
one();
`;

/** Parses the HTTP_RR script's output; the first `warmup` round trips (connection setup, JIT) are dropped. */
export function parseHttpRr(stdout: string, requested: number, warmup: number): LatencyResult {
  const doc = JSON.parse(stdout.trim() || 'null') as unknown;
  if (Array.isArray(doc)) {
    const rtts = (doc as unknown[]).filter((v): v is number => typeof v === 'number').slice(warmup);
    return { rtt: rounded(summarize(rtts), 3), sent: requested, lost: 0 };
  }
  const done = typeof doc === 'object' && doc !== null && 'done' in doc ? Number(doc.done) : 0;
  return { rtt: rounded(summarize([]), 3), sent: requested, lost: requested - done };
}

/** `requests` sequential GET / over one keep-alive connection to the server's echo server. */
export async function httpLatency(t: Topology, requests: number, warmup = 20): Promise<LatencyResult> {
  const total = requests + warmup;
  const r = await t.exec('client', ['node', '-e', HTTP_RR, t.serverIp, String(t.serverPort), String(total)]);
  if (r.exitCode !== 0) throw new Error(`http latency probe failed (${r.exitCode}): ${r.stderr.slice(0, 300)}`);
  return parseHttpRr(r.stdout, total, warmup);
}
