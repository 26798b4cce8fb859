import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable } from 'rxjs';
import type { Registry } from 'prom-client';
import { SSE_EVENT_STATUS, SSE_EVENT_SYNCED, type InstanceStatus, type StatusEvent } from './status-types.js';

/** What the admin listener serves; each piece comes from the runtime, the server only formats it. */
export interface AdminSources {
  status(): InstanceStatus & { source: unknown };
  ready(): { ready: boolean; reasons: string[] };
  recentEvents(): StatusEvent[];
  events$: Observable<StatusEvent>;
  registry: Registry;
}

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

const HEARTBEAT_MS = 15_000;

/** Loopback HTTP: /healthz, /readyz, /status, /events (Server-Sent Events) and /metrics (Prometheus). */
export async function startAdminServer(sources: AdminSources, host: string, port: number): Promise<AdminServer> {
  const server = createServer((req, res) => void route(sources, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) };
}

async function route(sources: AdminSources, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
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
      return streamEvents(sources, req, res);
    default:
      return send(res, 404, 'text/plain', 'not found: try /healthz /readyz /status /events /metrics\n');
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Replays recent events, marks the end of the replay with `synced`, then streams live until the client leaves. */
function streamEvents(sources: AdminSources, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let id = 0;
  const frame = (event: string, data: unknown): boolean =>
    res.write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  for (const event of sources.recentEvents()) frame(SSE_EVENT_STATUS, event);
  frame(SSE_EVENT_SYNCED, {});
  const subscription = sources.events$.subscribe({
    next: (e) => frame(SSE_EVENT_STATUS, e),
    complete: () => res.end(),
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  req.on('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
