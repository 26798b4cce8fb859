import type {
  AiGatewayConfig,
  AuthConfig,
  GatewayKeyConfig,
  LocalModelConfig,
  ModelConfig,
  ProviderConfig,
} from '../../ai-gateway/config.js';
import { revisionHash } from '../../runtime/daemon/revisions.js';
import { restartKey } from '../../ai-gateway/config.js';
import { AI_GATEWAY_CONFIG, aiGatewayReadiness } from './daemon.js';
import type { AiGatewayPaths } from './paths.js';
import { fallbackChain } from './spec-models.js';
import type { AiGatewaySpec, ModelSpec, ProviderSpec } from './spec.js';
import type { AiGatewayRevision } from './types.js';

/** The admin API (/healthz, /metrics, /status, /usage) listens on loopback only. */
export const ADMIN_HOST = '127.0.0.1';

/** What decode resolved beyond the spec: the clients, and the values of the Secrets it names. */
export interface ResolvedInputs {
  clientCidrs: readonly string[];
  /** Provider name to its API key. */
  apiKeys: ReadonlyMap<string, string>;
  /** Bedrock providers' external ids, by provider name. */
  externalIds: ReadonlyMap<string, string>;
  /** Mode keys: each gateway key with its hash (never the key). */
  gatewayKeys: readonly GatewayKeyConfig[];
  /** The LocalModel resources, as the data plane reaches them (local-models.ts, from the rendered model table). */
  localModels: readonly LocalModelConfig[];
}

const MIB = 1024 * 1024;

/** The data plane's config file (ai-gateway/config.ts) for a validated spec and its resolved inputs. Pure. */
export function renderAiGatewayConfig(
  spec: AiGatewaySpec,
  inputs: ResolvedInputs,
  paths: AiGatewayPaths,
): AiGatewayConfig {
  const { cache, audit, limits } = spec;
  return {
    version: 1,
    listen: { host: spec.listen.address, port: spec.listen.port },
    admin: { host: ADMIN_HOST, port: spec.adminPort },
    clientCidrs: [...inputs.clientCidrs],
    auth: authConfig(spec, inputs),
    providers: (spec.providers ?? []).map((p) =>
      providerConfig(p, inputs.apiKeys.get(p.name), inputs.externalIds.get(p.name)),
    ),
    models: modelConfigs(spec.models),
    localModels: [...inputs.localModels],
    cache: {
      enabled: cache.enabled,
      scope: cache.scope,
      ttlSeconds: cache.ttlSeconds,
      memoryBytes: cache.memoryMb * MIB,
      diskBytes: cache.diskMb * MIB,
      dir: paths.cacheDir,
    },
    semanticCache: semanticCacheConfig(spec, paths),
    metering: { stateFile: paths.meteringState, retentionDays: spec.metering.retentionDays },
    audit: {
      enabled: audit.enabled,
      file: paths.auditLog,
      prompts: audit.prompts,
      maxBytes: audit.maxMb * MIB,
      maxAgeSeconds: audit.maxAgeHours * 3600,
      maxFiles: audit.maxFiles,
    },
    limits: {
      maxBodyBytes: limits.maxBodyKb * 1024,
      connectTimeoutMs: limits.connectTimeoutMs,
      firstTokenTimeoutMs: limits.firstTokenTimeoutMs,
      totalTimeoutMs: limits.totalTimeoutMs,
      retries: limits.retries,
      backoffMs: limits.backoffMs,
    },
  };
}

function semanticCacheConfig(spec: AiGatewaySpec, paths: AiGatewayPaths): AiGatewayConfig['semanticCache'] {
  const sc = spec.semanticCache;
  return {
    enabled: sc.enabled,
    embeddingModel: sc.embeddingModel ?? '',
    threshold: sc.threshold,
    ttlSeconds: sc.ttlSeconds,
    maxEntries: sc.maxEntries,
    dir: paths.semanticDir,
    ...(sc.models ? { models: [...sc.models] } : {}),
    embedTimeoutMs: sc.embedTimeoutMs,
  };
}

function authConfig(spec: AiGatewaySpec, inputs: ResolvedInputs): AuthConfig {
  const mode = spec.auth?.mode ?? 'keys';
  return mode === 'keys' ? { mode, keys: [...inputs.gatewayKeys] } : { mode };
}

function providerConfig(p: ProviderSpec, apiKey: string | undefined, externalId: string | undefined): ProviderConfig {
  // Header names lower-cased and sorted: the same headers always render the same file (and hash).
  const headers = p.headers
    ? Object.fromEntries(
        Object.entries(p.headers)
          .map(([k, v]) => [k.toLowerCase(), v] as const)
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      )
    : undefined;
  return {
    name: p.name,
    type: p.type,
    ...(p.baseUrl !== undefined ? { baseUrl: p.baseUrl } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(p.region !== undefined ? { region: p.region } : {}),
    ...(p.roleArn !== undefined ? { roleArn: p.roleArn } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
    ...(headers ? { headers } : {}),
    maxSockets: p.maxSockets,
  };
}

/** Each model with its targets: its own first, then its fallback chain (spec-models.ts), each with its price. */
export function modelConfigs(models: readonly ModelSpec[]): ModelConfig[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  return models.map((m) => {
    const chain = fallbackChain(m, byName);
    const names = chain.ok ? chain.names : [m.name];
    const targets = names.map((name) => {
      const t = byName.get(name)!;
      const { input, output, cachedInput } = t.price;
      return { provider: t.provider, model: t.model, price: { input, output, cachedInput: cachedInput ?? input } };
    });
    return { name: m.name, kind: m.kind, targets };
  });
}

/**
 * The revision: one file, 0600 (it holds provider API keys; the store makes the daemon's user its owner), and the
 * data plane's own restart key (its sockets and stores); any other change is a reload it takes on SIGHUP.
 */
export function aiGatewayRevision(config: AiGatewayConfig): AiGatewayRevision {
  const files = [{ name: AI_GATEWAY_CONFIG, content: `${JSON.stringify(config, null, 2)}\n`, mode: 0o600 }];
  const { listen, admin } = config;
  return {
    hash: revisionHash(files),
    files,
    restartKey: restartKey(config),
    listen: `${listen.host}:${listen.port}`,
    adminPort: admin.port,
    ready: aiGatewayReadiness(admin.port),
    listens: [listen, admin],
    // A listen address that is not local, or a port another process holds, would only fail once the process starts.
    preflight: [
      ...(listen.host === '0.0.0.0' ? [] : [{ localAddress: listen.host }]),
      { portAvailable: { host: listen.host, port: listen.port } },
      { portAvailable: { host: admin.host, port: admin.port } },
    ],
  };
}
