import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Observable } from 'rxjs';
import type { Registry } from 'prom-client';
import { SSE_EVENT_STATUS, SSE_EVENT_SYNCED, type InstanceStatus, type StatusEvent } from './status-types.js';

/** What the admin listener serves; each piece comes from the runtime, the server only formats it. */
export interface AdminSources {
  status(): InstanceStatus & { source: unknown };
  /** details: facts that do not decide readiness but explain the instance (how changes are learnt). */
  ready(): { ready: boolean; reasons: string[]; details?: Record<string, unknown> };
  recentEvents(): StatusEvent[];
  events$: Observable<StatusEvent>;
  registry: Registry;
}

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

const HEARTBEAT_MS = 15_000;
/**
 * Unread bytes an /events client may leave queued before it is dropped: a consumer that stopped reading (a suspended
 * `csgw events -w`) must not make the operator buffer every later event in memory.
 */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface AdminServerOptions {
  /** Overrides SSE_MAX_BUFFERED_BYTES (tests). */
  sseMaxBufferedBytes?: number;
}

/** Loopback HTTP: /healthz, /readyz, /status, /events (Server-Sent Events) and /metrics (Prometheus). */
export async function startAdminServer(
  sources: AdminSources,
  host: string,
  port: number,
  options: AdminServerOptions = {},
): Promise<AdminServer> {
  const limits = { sseMaxBufferedBytes: options.sseMaxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES };
  const server = createServer((req, res) => void route(sources, limits, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) };
}

async function route(
  sources: AdminSources,
  limits: Required<AdminServerOptions>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  // A page on a rebound DNS name (evil.example -> 127.0.0.1) reaches this listener with its own name as Host.
  if (!isLocalHost(req.headers.host))
    return send(res, 421, 'text/plain', 'misdirected request: use a loopback name or an IP address as Host\n');
  // HEAD answers like GET; node's server leaves the body out by itself.
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain', 'method not allowed\n');
  }
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const ready = sources.ready();
      return send(res, ready.ready ? 200 : 503, 'application/json', `${JSON.stringify(ready)}\n`);
    }
    case '/status':
      return send(res, 200, 'application/json', `${JSON.stringify(sources.status(), null, 2)}\n`);
    case '/metrics':
      return send(res, 200, sources.registry.contentType, await sources.registry.metrics());
    case '/events':
      return req.method === 'HEAD' ? void res.writeHead(200, SSE_HEADERS).end() : streamEvents(sources, limits, res);
    default:
      return send(res, 404, 'text/plain', 'not found: try /healthz /readyz /status /events /metrics\n');
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Host names this listener answers to: localhost, IPv4 literals (127.x and any other address it may listen on) and
 * bracketed IPv6 literals, each with an optional port. A missing Host is refused too (HTTP/1.1 requires one).
 */
export function isLocalHost(host: string | undefined): boolean {
  if (!host) return false;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(host);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6;
  const name = host.replace(/:\d{1,5}$/, '').toLowerCase();
  return name === 'localhost' || isIP(name) === 4;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' };

/**
 * Replays recent events, marks the end of the replay with `synced`, then streams live until the client leaves. A
 * client that leaves more than the bound queued unread is disconnected; it can reconnect and get the replay.
 */
function streamEvents(sources: AdminSources, limits: Required<AdminServerOptions>, res: ServerResponse): void {
  res.writeHead(200, SSE_HEADERS);
  let id = 0;
  const write = (text: string): void => {
    if (res.destroyed) return;
    if (res.writableLength <= limits.sseMaxBufferedBytes) return void res.write(text);
    // Best effort: the comment queues behind the backlog, and end() alone would wait for a reader that may never
    // read again, so the connection is destroyed right away.
    res.end(`: dropped: more than ${limits.sseMaxBufferedBytes} bytes unread; reconnect to resume\n\n`);
    res.destroy();
  };
  const frame = (event: string, data: unknown): void =>
    write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  for (const event of sources.recentEvents()) frame(SSE_EVENT_STATUS, event);
  frame(SSE_EVENT_SYNCED, {});
  const subscription = sources.events$.subscribe({
    next: (e) => frame(SSE_EVENT_STATUS, e),
    complete: () => res.end(),
  });
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
  // 'close' on the response: the client left, the stream ended, or it was dropped above.
  res.on('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
