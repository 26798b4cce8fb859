import type { ProviderType } from './providers/provider.js';

/**
 * The data plane's config file: rendered by the AiGateway controller from the spec and its Secrets, validated
 * (config-schema.ts) by `csgw ai-gateway --check` before it goes live, re-read on SIGHUP. It holds provider API keys,
 * so it is 0600 and owned by the daemon's user; gateway keys appear only as SHA-256 hashes.
 */
export interface AiGatewayConfig {
  version: 1;
  listen: { host: string; port: number };
  /** Loopback only: /healthz, /metrics, /status, /usage. */
  admin: { host: string; port: number };
  /** Clients outside these CIDRs get 403 before anything else is read. */
  clientCidrs: string[];
  auth: AuthConfig;
  providers: ProviderConfig[];
  models: ModelConfig[];
  /** Models served on this instance by vLLM (LocalModel resources), reached as `local/<name>`. */
  localModels: LocalModelConfig[];
  cache: CacheConfig;
  semanticCache: SemanticCacheConfig;
  metering: MeteringConfig;
  audit: AuditConfig;
  limits: LimitsConfig;
}

export type AuthConfig =
  /** Clients send `Authorization: Bearer <gateway key>`; the key is looked up by its SHA-256. */
  | { mode: 'keys'; keys: GatewayKeyConfig[] }
  /** The client's own Authorization goes to OpenAI-type providers; other providers use their configured key. */
  | { mode: 'passthrough' }
  /** No client authentication (client CIDRs still apply). */
  | { mode: 'none' };

export interface GatewayKeyConfig {
  /** Names the key in metrics, audit and usage; never the key itself. */
  id: string;
  /** Hex SHA-256 of the key. */
  sha256: string;
  /** Model names (as clients send them) this key may use; `*` for any. Prefix patterns `openai/*` allowed. */
  models: string[];
  /** Requests per minute; absent: unlimited. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute; absent: unlimited. */
  tpm?: number;
  /** Requests in flight at once; absent: unlimited. */
  concurrency?: number;
}

export interface ProviderConfig {
  /** The provider's name in the model table, metrics and status (`openai`, `anthropic`, `bedrock`, or a user's). */
  name: string;
  type: ProviderType;
  /** OpenAI / Anthropic / an OpenAI-compatible server; for Bedrock an endpoint override (VPC endpoint, tests). */
  baseUrl?: string;
  /** From a Secret; absent for Bedrock (instance or operational role) and for passthrough-only OpenAI providers. */
  apiKey?: string;
  /** Bedrock's region. */
  region?: string;
  /** Bedrock: assume this role (the operational role) instead of using the instance role. */
  roleArn?: string;
  /** Bedrock with roleArn: the external id the role's trust policy requires (from a Secret). */
  externalId?: string;
  /** Extra static headers for the upstream (validated: no CR/LF, no hop-by-hop or auth headers). */
  headers?: Record<string, string>;
  /** Most pooled keep-alive connections to this upstream. */
  maxSockets: number;
}

export interface Price {
  /** USD per million tokens. */
  input: number;
  output: number;
  cachedInput: number;
}

export interface ModelTarget {
  provider: string;
  /** The upstream's model id. */
  model: string;
  price: Price;
}

export interface ModelConfig {
  /** The name clients send. */
  name: string;
  /** The model's own target first, then its fallbacks in order (each resolved to a target). */
  targets: ModelTarget[];
  /** Whether the model answers /v1/embeddings rather than chat. */
  kind: 'chat' | 'embeddings';
}

/** A vLLM server on this instance: where it answers, and what happens when it cannot take a request. */
export interface LocalModelConfig {
  /** What clients send: `local/<served name>`. */
  name: string;
  /** The name vLLM serves it under (`--served-model-name`). */
  servedName: string;
  /** vLLM's OpenAI-compatible base URL, on loopback (`http://127.0.0.1:8000/v1`). */
  baseUrl: string;
  /** vLLM's Prometheus endpoint: its waiting-requests gauge is one of the capacity signals. */
  metricsUrl: string;
  kind: 'chat' | 'embeddings';
  overflow: OverflowConfig;
}

/**
 * What the gateway does with a request the local server cannot start before its first token (refused connection,
 * 429 or 5xx before any byte, no first token in time, or the model at its concurrency): decided before the first
 * token, never after.
 */
export interface OverflowConfig {
  policy: 'queue' | 'spill' | 'reject';
  /** The model-table entry a spill goes to, with its targets; absent: nothing ever leaves (spill acts as reject). */
  fallback?: { model: string; targets: ModelTarget[] };
  /** Requests the gateway sends the server at once; more are at capacity. */
  maxConcurrency: number;
  /** vLLM's own waiting requests above this count as at capacity too; absent: not used. */
  maxServerWaiting?: number;
  /** queue: the FIFO's bound, and how long a request may wait in it (and for a failed server to come back). */
  queue: { maxSize: number; maxWaitMs: number };
  firstTokenTimeoutMs: number;
}

export interface CacheConfig {
  enabled: boolean;
  /** `key`: a cached answer is served only to the gateway key that paid for it; `gateway`: to any client. */
  scope: 'key' | 'gateway';
  ttlSeconds: number;
  memoryBytes: number;
  diskBytes: number;
  /** Entries persist here (0700), so they survive restarts. */
  dir: string;
}

/**
 * On an exact-cache miss, a similar earlier request's answer (kept in the exact cache) is served when the request
 * matches it in everything but wording (model, system prompt, tools, parameters, key scope) and its embedding is at
 * least `threshold` similar.
 */
export interface SemanticCacheConfig {
  enabled: boolean;
  /** The route embeddings come from: an embeddings model of the table, or `local/<name>`. */
  embeddingModel: string;
  /** Cosine similarity, 0-1. */
  threshold: number;
  ttlSeconds: number;
  maxEntries: number;
  /** The index persists here (0700). */
  dir: string;
  /** The routes (names clients send) it applies to; absent: every chat route. */
  models?: string[];
  embedTimeoutMs: number;
}

export interface MeteringConfig {
  /** Counters and hourly usage, persisted (0600) so they survive restarts. */
  stateFile: string;
  /** How long hourly usage is kept. */
  retentionDays: number;
}

export interface AuditConfig {
  enabled: boolean;
  file: string;
  /** `hash` (default): the prompt's SHA-256; `full`: the messages themselves; `none`. */
  prompts: 'none' | 'hash' | 'full';
  maxBytes: number;
  maxAgeSeconds: number;
  /** Rotated files kept. */
  maxFiles: number;
}

export interface LimitsConfig {
  maxBodyBytes: number;
  connectTimeoutMs: number;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
  /** Attempts per target on a retryable failure before the next target. */
  retries: number;
  /** First backoff; doubled per retry, with jitter, capped by the upstream's retry-after. */
  backoffMs: number;
}

/** Prefix routes work without a model-table entry; `local/` is reserved for local inference. */
export const PREFIX_ROUTES: Record<string, ProviderType> = {
  'openai/': 'openai',
  'anthropic/': 'anthropic',
  'bedrock/': 'bedrock',
};
export const RESERVED_PREFIX = 'local/';
/** Local models' providers are named so: never a name a provider of the table may take (`/` is refused there). */
export const LOCAL_PROVIDER_PREFIX = 'local/';

/** How long a stopping gateway lets requests in flight finish; the supervisor waits this long and more before SIGKILL. */
export const DRAIN_MS = 20_000;

/**
 * What a reload cannot change: the sockets, and the cache, metering and audit stores (opened once per process).
 * Models, providers, keys, limits, client CIDRs, the cache scope and the semantic cache's threshold and routes
 * reload hitlessly on SIGHUP. The controller restarts the process when this changes; the process refuses a SIGHUP
 * that would change it.
 */
export function restartKey(c: AiGatewayConfig): string {
  const { scope: _scope, ...cache } = c.cache;
  // The index is opened once, for one embedding model: its vectors mean nothing to another.
  const { enabled, dir, maxEntries, ttlSeconds } = c.semanticCache;
  const semantic = { enabled, dir, maxEntries, ttlSeconds, embedder: embedderIdentity(c) };
  const stores = JSON.stringify([cache, semantic, c.metering, c.audit]);
  return `listen ${c.listen.host}:${c.listen.port} admin ${c.admin.host}:${c.admin.port} stores ${stores}`;
}

/**
 * The model behind the semantic cache's embedding route, not its name: a table entry pointed at another upstream
 * model (or a local model at another server) embeds differently, so its vectors must not meet the stored ones.
 */
export function embedderIdentity(c: AiGatewayConfig): string {
  const name = c.semanticCache.embeddingModel;
  const local = c.localModels.find((l) => l.name === name);
  if (local) return `${name} ${local.baseUrl} ${local.servedName}`;
  const target = c.models.find((m) => m.name === name)?.targets[0];
  const provider = c.providers.find((p) => p.name === target?.provider);
  return target ? `${name} ${target.provider}:${target.model} ${provider?.baseUrl ?? ''}` : name;
}
