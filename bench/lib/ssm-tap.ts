import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SSM request the operator made, on this process's performance.now() clock. */
export interface TapRecord {
  operation: string;
  /** Name (GetParameter, PutParameter, ...) or Path (GetParametersByPath); '' when the body named neither. */
  parameter: string;
  startMs: number;
  endMs: number;
  status: number;
}

export interface SsmTap {
  /** Point the operator's --endpoint-url here. */
  url: string;
  records: readonly TapRecord[];
  /** Requests of an operation that arrived in [fromMs, toMs). */
  between(operation: string | undefined, fromMs: number, toMs: number): TapRecord[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP relay between the operator and the embedded SSM endpoint that timestamps every request by its
 * X-Amz-Target. It is how the convergence benchmark tells "waiting for the next poll" apart from "reconciling"
 * (the time of the GetParametersByPath that picked a change up), and how the steady-state benchmark counts the
 * requests that really reached SSM, SDK retries included, as a cross-check of the operator's own counter. The
 * parameter each request named splits lease renews from status writes (both PutParameter) in the lease benchmark.
 */
export async function startSsmTap(upstreamUrl: string): Promise<SsmTap> {
  const upstream = new URL(upstreamUrl);
  // Keep-alive on both legs, as the SDK does, so the relay adds no connection set-up to any request.
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const records: TapRecord[] = [];
  const server = createServer((req, res) => relay(req, res, { upstream, agent, records }));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    between: (operation, fromMs, toMs) =>
      records.filter(
        (r) => (operation === undefined || r.operation === operation) && r.startMs >= fromMs && r.startMs < toMs,
      ),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

interface RelayDeps {
  upstream: URL;
  agent: Agent;
  records: TapRecord[];
}

/** The Name, Names (GetParameters: comma-joined) or Path of an SSM JSON request body. */
export function parameterOf(body: string): string {
  try {
    const doc = JSON.parse(body) as { Name?: unknown; Names?: unknown; Path?: unknown };
    if (typeof doc.Name === 'string') return doc.Name;
    if (Array.isArray(doc.Names)) return doc.Names.filter((n) => typeof n === 'string').join(',');
    return typeof doc.Path === 'string' ? doc.Path : '';
  } catch {
    return '';
  }
}

function relay(req: IncomingMessage, res: ServerResponse, deps: RelayDeps): void {
  const startMs = performance.now();
  const operation = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^AmazonSSM\./, '');
  // SSM bodies are small JSON documents; a copy is kept while the same chunks stream upstream.
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  const record = (status: number): void => {
    const parameter = parameterOf(Buffer.concat(chunks).toString('utf8'));
    deps.records.push({ operation, parameter, startMs, endMs: performance.now(), status });
  };
  const upstreamReq = request(
    {
      host: deps.upstream.hostname,
      port: deps.upstream.port,
      method: req.method,
      path: req.url,
      // The SigV4 signature covers the Host header; the embedded endpoint accepts any signature, so it is relayed as is.
      headers: req.headers,
      agent: deps.agent,
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
      res.once('finish', () => record(upstreamRes.statusCode ?? 0));
    },
  );
  upstreamReq.once('error', () => {
    record(502);
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstreamReq);
}
