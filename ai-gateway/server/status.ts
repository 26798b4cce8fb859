import type { CacheStats } from '../cache/store.js';
import type { LocalModels, LocalModelState } from '../local/registry.js';
import type { GatewayRuntime } from './runtime.js';
import type { ProviderHealth, RequestRate } from './stats.js';

/** The data plane's /status: what the AiGateway controller shows in its status. Never a key, never a prompt. */
export interface GatewayStatus {
  listening: { host: string; port: number };
  configHash: string;
  models: { name: string; kind: 'chat' | 'embeddings'; targets: { provider: string; model: string }[] }[];
  providers: {
    name: string;
    type: string;
    healthy: boolean;
    lastError?: { message: string; code: string; at: string };
    lastSuccessAt?: string;
  }[];
  cache: { enabled: boolean } & Pick<CacheStats, 'entries' | 'bytes' | 'hits' | 'misses' | 'hitRatio'>;
  semanticCache: { enabled: boolean; entries: number; bytes: number };
  requests: { total: number; perSecond: number; inFlight: number };
  auth: { mode: string; keys: number };
  /** Local models: requests the gateway has on each server, and those waiting under the queue policy. */
  localModels: (LocalModelState & { policy: string; fallback?: string; healthy: boolean })[];
}

export function gatewayStatus(
  runtime: GatewayRuntime,
  services: { cacheStats(): CacheStats; semantic?: { stats(): { entries: number; bytes: number } } },
  health: ProviderHealth,
  rate: RequestRate,
  locals: LocalModels,
): GatewayStatus {
  const { config } = runtime;
  const { entries, bytes, hits, misses, hitRatio } = services.cacheStats();
  return {
    listening: config.listen,
    configHash: runtime.hash,
    models: config.models.map((m) => ({
      name: m.name,
      kind: m.kind,
      targets: m.targets.map((t) => ({ provider: t.provider, model: t.model })),
    })),
    providers: config.providers.map((p) => ({ name: p.name, type: p.type, ...health.get(p.name) })),
    cache: { enabled: config.cache.enabled, entries, bytes, hits, misses, hitRatio },
    semanticCache: {
      enabled: services.semantic !== undefined,
      ...(services.semantic?.stats() ?? { entries: 0, bytes: 0 }),
    },
    requests: { total: rate.total, perSecond: rate.perSecond(), inFlight: runtime.active },
    auth: { mode: config.auth.mode, keys: config.auth.mode === 'keys' ? config.auth.keys.length : 0 },
    localModels: locals.states().flatMap((state) => {
      const model = config.localModels.find((l) => l.name === state.name);
      if (!model) return [];
      const { policy, fallback } = model.overflow;
      const { healthy } = health.get(model.name);
      return [{ ...state, policy, ...(fallback ? { fallback: fallback.model } : {}), healthy }];
    }),
  };
}
