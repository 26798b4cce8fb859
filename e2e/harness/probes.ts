// Traffic probes between the topology's hosts.
import { waitFor } from '../../testing/wait.js';
import type { ExecResult } from './container.js';
import type { Role, Topology } from './topology.js';

/** What the echo server answers: the peer it saw (plus method/url). */
export interface EchoReply {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface HttpProbe extends ExecResult {
  /** Parsed echo-server reply (first line) when curl succeeded. */
  reply?: EchoReply;
}

/** How a TCP connection attempt ended, read from curl's exit code. */
export type ConnectOutcome = 'connected' | 'refused' | 'timeout' | 'other';

export interface CurlOptions {
  /** Where curl runs (default the client). */
  from?: Role;
  maxTimeSec?: number;
}

/**
 * HTTP GET from `from` (default the client) to an echo server at host:port, bounded by curl's --max-time so a
 * black-holed connection fails fast instead of hanging.
 */
export async function curlEcho(
  topology: Topology,
  target: { host: string; port: number },
  path = '/',
  opts: CurlOptions = {},
): Promise<HttpProbe> {
  const url = `http://${target.host}:${target.port}${path}`;
  const result = await topology.exec(opts.from ?? 'client', [
    'curl',
    '-sS',
    '--max-time',
    String(opts.maxTimeSec ?? 3),
    url,
  ]);
  if (result.exitCode !== 0) return result;
  // First line: the whole reply, or the first chunk of /stream (same fields).
  const firstLine = result.stdout.split('\n')[0] ?? '';
  return { ...result, reply: JSON.parse(firstLine) as EchoReply };
}

/** curlEcho to the topology's echo server (server host, serverPort). */
export function curlServer(topology: Topology, path = '/', opts: CurlOptions = {}): Promise<HttpProbe> {
  return curlEcho(topology, { host: topology.serverIp, port: topology.serverPort }, path, opts);
}

/**
 * connected: the echo server answered; refused: a RST or ICMP unreachable came back (curl 7), e.g. a reject rule or
 * no listener; timeout: nothing came back (curl 28), e.g. a drop rule.
 */
export function connectOutcome(probe: ExecResult): ConnectOutcome {
  if (probe.exitCode === 0) return 'connected';
  if (probe.exitCode === 7) return 'refused';
  return probe.exitCode === 28 ? 'timeout' : 'other';
}

/**
 * Starts one more echo server (the image's echo-server.mjs) inside `role` on `port`, detached, and resolves once it
 * answers on 127.0.0.1 there. Lives as long as the container.
 */
export async function startEchoServer(topology: Topology, role: Role, port: number): Promise<void> {
  const log = `/tmp/echo-server-${port}.log`;
  const run = `nohup node /usr/local/bin/echo-server.mjs ${port} >${log} 2>&1 &`;
  const started = await topology.exec(role, ['sh', '-c', run]);
  if (started.exitCode !== 0) throw new Error(`echo server on ${role}:${port} did not start: ${started.stderr}`);
  await waitFor(
    async () =>
      (await topology.exec(role, ['curl', '-sf', '--max-time', '1', `http://127.0.0.1:${port}/`])).exitCode === 0,
    { timeoutMs: 10_000, what: `echo server on ${role}:${port}` },
  );
}
