import { httpGet, oneLine } from '../../runtime/daemon/http-get.js';
import type { CommandRunner } from '../../runtime/ports.js';

export interface ProviderHealth {
  name: string;
  type: string;
  healthy: boolean;
  lastError?: { message: string; code: string; at: string };
  lastSuccessAt?: string;
}

/** What the data plane says about itself: the fields status shows, each checked, nothing else kept. */
export interface DataPlaneStatus {
  listening?: { host: string; port: number };
  configHash?: string;
  models: { name: string; kind: string; targets: { provider: string; model: string }[] }[];
  providers: ProviderHealth[];
  cache?: { enabled: boolean; entries: number; bytes: number; hits: number; misses: number; hitRatio: number };
  requests?: { total: number; perSecond: number; inFlight: number };
  auth?: { mode: string; keys: number };
  semanticCache?: { enabled: boolean; entries: number; bytes: number };
  /** Per local model: requests the gateway has on its server, and those waiting in its queue. */
  localModels: {
    name: string;
    policy: string;
    fallback?: string;
    running: number;
    queued: number;
    oldestWaitMs: number;
  }[];
}

/**
 * GET /status on the admin port, through the command runner (so from inside the managed namespace) with curl, as
 * the kit's readiness probe does; bounded by curl's own deadline.
 */
export async function fetchDataPlaneStatus(
  runner: CommandRunner,
  url: string,
  signal: AbortSignal,
): Promise<{ ok: true; status: DataPlaneStatus } | { ok: false; error: string }> {
  const got = await httpGet(runner, url, signal, 4_000_000);
  if (!got.ok) return got;
  try {
    return { ok: true, status: parseDataPlaneStatus(JSON.parse(got.body) as unknown) };
  } catch {
    return { ok: false, error: `GET ${url}: not JSON` };
  }
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** Short, one line: these strings go into status documents and condition messages. */
const str = (v: unknown, max = 200): string | undefined =>
  typeof v === 'string' ? oneLine(v).slice(0, max) : undefined;
const list = (v: unknown, max: number): unknown[] => (Array.isArray(v) ? v.slice(0, max) : []);

/** Takes what it recognises and drops the rest: a field of the wrong type is as good as absent. */
export function parseDataPlaneStatus(raw: unknown): DataPlaneStatus {
  const o = obj(raw) ?? {};
  const listening = obj(o.listening);
  const host = str(listening?.host, 64);
  const port = num(listening?.port);
  const configHash = str(o.configHash, 128);
  const cache = parseCache(obj(o.cache));
  const requests = parseRequests(obj(o.requests));
  const auth = obj(o.auth);
  const mode = str(auth?.mode, 32);
  const keys = num(auth?.keys);
  return {
    ...(host !== undefined && port !== undefined ? { listening: { host, port } } : {}),
    ...(configHash ? { configHash } : {}),
    models: list(o.models, 256).flatMap(parseModel),
    providers: list(o.providers, 64).flatMap(parseProvider),
    ...(cache ? { cache } : {}),
    ...(requests ? { requests } : {}),
    ...(mode !== undefined && keys !== undefined ? { auth: { mode, keys } } : {}),
    ...parseSemantic(obj(o.semanticCache)),
    localModels: list(o.localModels, 64).flatMap(parseLocalModel),
  };
}

function parseSemantic(c: Obj | undefined): Pick<DataPlaneStatus, 'semanticCache'> {
  const entries = num(c?.entries);
  const bytes = num(c?.bytes);
  if (!c || typeof c.enabled !== 'boolean' || entries === undefined || bytes === undefined) return {};
  return { semanticCache: { enabled: c.enabled, entries, bytes } };
}

function parseLocalModel(v: unknown): DataPlaneStatus['localModels'] {
  const m = obj(v);
  const name = str(m?.name, 128);
  const policy = str(m?.policy, 16);
  const [running, queued, oldestWaitMs] = ['running', 'queued', 'oldestWaitMs'].map((k) => num(m?.[k]));
  if (!name || !policy || running === undefined || queued === undefined || oldestWaitMs === undefined) return [];
  const fallback = str(m?.fallback, 128);
  return [{ name, policy, ...(fallback ? { fallback } : {}), running, queued, oldestWaitMs }];
}

function parseModel(v: unknown): DataPlaneStatus['models'] {
  const m = obj(v);
  const name = str(m?.name, 128);
  if (!m || !name) return [];
  const targets = list(m.targets, 16).flatMap((t) => {
    const provider = str(obj(t)?.provider, 64);
    const model = str(obj(t)?.model, 256);
    return provider && model ? [{ provider, model }] : [];
  });
  return [{ name, kind: str(m.kind, 16) ?? 'chat', targets }];
}

function parseProvider(v: unknown): ProviderHealth[] {
  const p = obj(v);
  const name = str(p?.name, 64);
  if (!p || !name || typeof p.healthy !== 'boolean') return [];
  const e = obj(p.lastError);
  const message = str(e?.message);
  const lastSuccessAt = str(p.lastSuccessAt, 40);
  return [
    {
      name,
      type: str(p.type, 16) ?? 'unknown',
      healthy: p.healthy,
      ...(e && message ? { lastError: { message, code: str(e.code, 64) ?? 'unknown', at: str(e.at, 40) ?? '' } } : {}),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
    },
  ];
}

function parseCache(c: Obj | undefined): DataPlaneStatus['cache'] {
  if (!c || typeof c.enabled !== 'boolean') return undefined;
  const [entries, bytes, hits, misses, hitRatio] = ['entries', 'bytes', 'hits', 'misses', 'hitRatio'].map((k) =>
    num(c[k]),
  );
  if ([entries, bytes, hits, misses, hitRatio].some((n) => n === undefined)) return undefined;
  return { enabled: c.enabled, entries: entries!, bytes: bytes!, hits: hits!, misses: misses!, hitRatio: hitRatio! };
}

function parseRequests(r: Obj | undefined): DataPlaneStatus['requests'] {
  const total = num(r?.total);
  const perSecond = num(r?.perSecond);
  const inFlight = num(r?.inFlight);
  return total !== undefined && perSecond !== undefined && inFlight !== undefined
    ? { total, perSecond, inFlight }
    : undefined;
}
