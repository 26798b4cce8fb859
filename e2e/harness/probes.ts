// Traffic probes between the topology's hosts.
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

/**
 * HTTP GET from `from` (default the client) to the echo server, bounded by
 * curl's --max-time so a black-holed connection fails fast instead of hanging.
 */
export async function curlServer(
  topology: Topology,
  path = '/',
  opts: { from?: Role; maxTimeSec?: number } = {},
): Promise<HttpProbe> {
  const url = `http://${topology.serverIp}:${topology.serverPort}${path}`;
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
