import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendJson } from './respond.js';

export interface AdminSources {
  /** Whether the gateway serves: listening, with a config loaded. */
  healthy(): { ok: boolean; message: string };
  status(): unknown;
  metrics: Registry;
  /** `csgw ai usage`: rows since a time, grouped by key, model or provider. */
  usage(since: Date, by: 'key' | 'model' | 'provider'): unknown;
}

const DURATION = /^(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The loopback admin port: /healthz (the daemon kit's readiness probe), /metrics (Prometheus), /status (the
 * controller's view) and /usage. Never reachable from clients: it listens on loopback only.
 */
export function createAdminServer(sources: AdminSources): http.Server {
  return http.createServer((req, res) => {
    route(req, res, sources).catch((err: unknown) => sendJson(res, 500, { error: String(err) }));
  });
}

async function route(req: IncomingMessage, res: ServerResponse, sources: AdminSources): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'GET only' });
  switch (url.pathname) {
    case '/healthz': {
      const h = sources.healthy();
      return sendJson(res, h.ok ? 200 : 503, h);
    }
    case '/status':
      return sendJson(res, 200, sources.status());
    case '/metrics': {
      const text = await sources.metrics.metrics();
      res.writeHead(200, { 'content-type': sources.metrics.contentType });
      return void res.end(text);
    }
    case '/usage': {
      const since = parseSince(url.searchParams.get('since') ?? '24h');
      const by = url.searchParams.get('by') ?? 'model';
      if (!since || (by !== 'key' && by !== 'model' && by !== 'provider'))
        return sendJson(res, 400, { error: 'since: a duration like 30m, 24h or 7d; by: key, model or provider' });
      return sendJson(res, 200, sources.usage(since, by));
    }
    default:
      return sendJson(res, 404, { error: `no ${url.pathname}` });
  }
}

/** `24h` → the time 24 hours ago. */
export function parseSince(text: string, now = Date.now()): Date | undefined {
  const m = DURATION.exec(text);
  return m ? new Date(now - Number(m[1]) * UNIT_MS[m[2]!]!) : undefined;
}
