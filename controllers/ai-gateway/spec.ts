import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import type { ProviderType } from '../../ai-gateway/providers/provider.js';
import { checkCidrList } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import { checkAuth } from './spec-auth.js';
import { checkModels } from './spec-models.js';
import { checkProviders } from './spec-providers.js';

export type ModelKind = 'chat' | 'embeddings';

export interface ProviderSpec {
  name: string;
  type: ProviderType;
  baseUrl?: string;
  apiKeySecretRef?: { name: string; key: string };
  region?: string;
  roleArn?: string;
  externalIdSecretRef?: { name: string; key: string };
  headers?: Record<string, string>;
  maxSockets: number;
}

export interface ModelSpec {
  name: string;
  provider: string;
  model: string;
  kind: ModelKind;
  price: { input: number; output: number; cachedInput?: number };
  fallback: string[];
}

export interface GatewayKeySpec {
  id: string;
  /** Default: id. */
  secretKey?: string;
  models: string[];
  rpm?: number;
  tpm?: number;
  concurrency?: number;
}

export type AuthSpec =
  | { mode: 'keys'; secretRef: { name: string }; keys: GatewayKeySpec[] }
  | { mode: 'passthrough' | 'none'; secretRef?: undefined; keys?: undefined };

export interface SemanticCacheSpec {
  enabled: boolean;
  embeddingModel?: string;
  threshold: number;
  ttlSeconds: number;
  maxEntries: number;
  models?: string[];
  embedTimeoutMs: number;
}

/** The spec after schema validation (defaults applied). */
export interface AiGatewaySpec {
  enable: boolean;
  listen: { address: string; port: number };
  adminPort: number;
  clientCidrs?: string[];
  providers?: ProviderSpec[];
  models: ModelSpec[];
  auth?: AuthSpec;
  cache: { enabled: boolean; scope: 'key' | 'gateway'; ttlSeconds: number; memoryMb: number; diskMb: number };
  semanticCache: SemanticCacheSpec;
  metering: { retentionDays: number };
  audit: { enabled: boolean; prompts: 'none' | 'hash' | 'full'; maxMb: number; maxAgeHours: number; maxFiles: number };
  limits: {
    maxBodyKb: number;
    connectTimeoutMs: number;
    firstTokenTimeoutMs: number;
    totalTimeoutMs: number;
    retries: number;
    backoffMs: number;
  };
}

const validator = new SpecValidator([aiGatewayKind]);

/**
 * The schema, then what it cannot say: references inside the spec (providers, fallbacks), reserved names, upstream
 * URLs and headers that must not smuggle anything into an upstream request. A disabled gateway needs no providers.
 */
export function validateAiGatewaySpec(raw: unknown): Validation<AiGatewaySpec> {
  const result = validator.validate<AiGatewaySpec>(aiGatewayKind, raw);
  if (!result.ok) return result;
  const spec = result.value;
  const providers = spec.providers ?? [];
  const errors = [
    ...checkCidrList('spec.clientCidrs', spec.clientCidrs ?? []),
    ...(spec.listen.port === spec.adminPort ? [`spec.adminPort: ${spec.adminPort} is also spec.listen.port`] : []),
    ...required(spec),
    ...checkProviders(providers),
    ...checkModels(spec.models, providers),
    ...(spec.auth ? checkAuth(spec.auth, spec) : []),
    ...checkLimits(spec.limits),
    ...checkSemanticCache(spec),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}

function required(spec: AiGatewaySpec): string[] {
  if (!spec.enable) return [];
  return [
    ...((spec.providers ?? []).length === 0 ? ['spec.providers: at least one provider is needed'] : []),
    ...(spec.auth ? [] : ['spec.auth: required: mode keys (gateway keys in a Secret), passthrough or none']),
  ];
}

/** Its answers live in the exact cache; its embedder is a model of the table (or a local one, checked in decode). */
function checkSemanticCache(spec: AiGatewaySpec): string[] {
  const sc = spec.semanticCache;
  if (!sc.enabled) return [];
  const errors: string[] = [];
  if (!spec.cache.enabled)
    errors.push('spec.semanticCache: needs spec.cache.enabled (the exact cache holds the answers)');
  const name = sc.embeddingModel;
  if (!name) return [...errors, 'spec.semanticCache.embeddingModel: required when enabled'];
  const model = spec.models.find((m) => m.name === name);
  if (!model && !name.startsWith('local/'))
    errors.push(`spec.semanticCache.embeddingModel: ${name} is not a model of spec.models (nor local/<name>)`);
  if (model && model.kind !== 'embeddings') errors.push(`spec.semanticCache.embeddingModel: ${name} is a chat model`);
  for (const m of sc.models ?? [])
    if (!m.startsWith('local/') && !spec.models.some((x) => x.name === m && x.kind === 'chat'))
      errors.push(`spec.semanticCache.models: ${m} is not a chat model of spec.models`);
  return errors;
}

function checkLimits(limits: AiGatewaySpec['limits']): string[] {
  const errors: string[] = [];
  if (limits.connectTimeoutMs > limits.firstTokenTimeoutMs)
    errors.push('spec.limits.connectTimeoutMs: longer than spec.limits.firstTokenTimeoutMs');
  if (limits.firstTokenTimeoutMs > limits.totalTimeoutMs)
    errors.push('spec.limits.firstTokenTimeoutMs: longer than spec.limits.totalTimeoutMs');
  return errors;
}
