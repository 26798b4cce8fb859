import { Ajv, type ValidateFunction } from 'ajv';
import type { AiGatewayConfig } from './config.js';

/** 0: any free port (tests and benchmarks; the controller always renders a port). */
const port = { type: 'integer', minimum: 0, maximum: 65535 };
const host = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f.:]+$' };
const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$' };
const count = { type: 'integer', minimum: 0 };
const positive = { type: 'integer', minimum: 1 };
const money = { type: 'number', minimum: 0, maximum: 100_000 };
/** A model's upstream: a provider of the file and the upstream's model id, with its price. */
const target = {
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'model', 'price'],
  properties: {
    provider: name,
    model: { type: 'string', minLength: 1, maxLength: 256 },
    price: {
      type: 'object',
      additionalProperties: false,
      required: ['input', 'output', 'cachedInput'],
      properties: { input: money, output: money, cachedInput: money },
    },
  },
};
/** A loopback URL: local models are reached on this instance only. */
const loopbackUrl = { type: 'string', pattern: '^http://127\\.0\\.0\\.1:\\d{1,5}/[A-Za-z0-9/._-]*$', maxLength: 256 };

const localModel = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'servedName', 'baseUrl', 'metricsUrl', 'kind', 'overflow'],
  properties: {
    name: { type: 'string', pattern: '^local/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    servedName: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    baseUrl: loopbackUrl,
    metricsUrl: loopbackUrl,
    kind: { enum: ['chat', 'embeddings'] },
    overflow: {
      type: 'object',
      additionalProperties: false,
      required: ['policy', 'maxConcurrency', 'queue', 'firstTokenTimeoutMs'],
      properties: {
        policy: { enum: ['queue', 'spill', 'reject'] },
        fallback: {
          type: 'object',
          additionalProperties: false,
          required: ['model', 'targets'],
          properties: {
            model: { type: 'string', minLength: 1, maxLength: 256 },
            targets: { type: 'array', minItems: 1, items: target },
          },
        },
        maxConcurrency: { type: 'integer', minimum: 1, maximum: 100_000 },
        maxServerWaiting: { type: 'integer', minimum: 0 },
        queue: {
          type: 'object',
          additionalProperties: false,
          required: ['maxSize', 'maxWaitMs'],
          properties: { maxSize: { type: 'integer', minimum: 0, maximum: 100_000 }, maxWaitMs: count },
        },
        firstTokenTimeoutMs: positive,
      },
    },
  },
};

/** A header value or key reaching an upstream request: printable, no CR/LF. */
const headerValue = { type: 'string', pattern: '^[\\x20-\\x7e]*$', maxLength: 4096 };

/**
 * The rendered config file's schema. The controller renders only validated specs, so a file this refuses was not
 * rendered by us: `--check` refuses it before it goes live, and a reload with it keeps the running config.
 */
const schema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'version',
    'listen',
    'admin',
    'clientCidrs',
    'auth',
    'providers',
    'models',
    'cache',
    'metering',
    'audit',
    'limits',
  ],
  properties: {
    version: { const: 1 },
    listen: { type: 'object', additionalProperties: false, required: ['host', 'port'], properties: { host, port } },
    admin: { type: 'object', additionalProperties: false, required: ['host', 'port'], properties: { host, port } },
    clientCidrs: { type: 'array', items: { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' } },
    auth: {
      type: 'object',
      required: ['mode'],
      properties: {
        mode: { enum: ['keys', 'passthrough', 'none'] },
        keys: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'sha256', 'models'],
            properties: {
              id: name,
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              models: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 } },
              rpm: positive,
              tpm: positive,
              concurrency: positive,
            },
          },
        },
      },
      if: { properties: { mode: { const: 'keys' } } },
      then: { required: ['keys'] },
    },
    providers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'maxSockets'],
        // The Bedrock client cannot be built without its region.
        if: { properties: { type: { const: 'bedrock' } } },
        then: { required: ['region'] },
        properties: {
          name,
          type: { enum: ['openai', 'anthropic', 'bedrock'] },
          baseUrl: { type: 'string', pattern: '^https?://[^\\s@#]+$', maxLength: 2048 },
          apiKey: headerValue,
          region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$' },
          roleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$' },
          externalId: { type: 'string', pattern: '^[\\w+=,.@:/-]{2,1224}$' },
          headers: {
            type: 'object',
            propertyNames: { pattern: '^[A-Za-z0-9-]{1,64}$' },
            additionalProperties: headerValue,
          },
          maxSockets: positive,
        },
      },
    },
    models: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'targets', 'kind'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 256 },
          kind: { enum: ['chat', 'embeddings'] },
          targets: {
            type: 'array',
            minItems: 1,
            items: target,
          },
        },
      },
    },
    localModels: { type: 'array', maxItems: 64, items: localModel },
    cache: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'scope', 'ttlSeconds', 'memoryBytes', 'diskBytes', 'dir'],
      properties: {
        enabled: { type: 'boolean' },
        scope: { enum: ['key', 'gateway'] },
        ttlSeconds: positive,
        memoryBytes: count,
        diskBytes: count,
        dir: { type: 'string', pattern: '^/' },
      },
    },
    semanticCache: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'embeddingModel', 'threshold', 'ttlSeconds', 'maxEntries', 'dir', 'embedTimeoutMs'],
      properties: {
        enabled: { type: 'boolean' },
        embeddingModel: { type: 'string', maxLength: 256 },
        threshold: { type: 'number', minimum: 0, maximum: 1 },
        ttlSeconds: positive,
        maxEntries: positive,
        dir: { type: 'string', pattern: '^/' },
        models: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 } },
        embedTimeoutMs: positive,
      },
    },
    metering: {
      type: 'object',
      additionalProperties: false,
      required: ['stateFile', 'retentionDays'],
      properties: { stateFile: { type: 'string', pattern: '^/' }, retentionDays: positive },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'file', 'prompts', 'maxBytes', 'maxAgeSeconds', 'maxFiles'],
      properties: {
        enabled: { type: 'boolean' },
        file: { type: 'string', pattern: '^/' },
        prompts: { enum: ['none', 'hash', 'full'] },
        maxBytes: positive,
        maxAgeSeconds: positive,
        maxFiles: positive,
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['maxBodyBytes', 'connectTimeoutMs', 'firstTokenTimeoutMs', 'totalTimeoutMs', 'retries', 'backoffMs'],
      properties: {
        maxBodyBytes: positive,
        connectTimeoutMs: positive,
        firstTokenTimeoutMs: positive,
        totalTimeoutMs: positive,
        retries: { type: 'integer', minimum: 0, maximum: 10 },
        backoffMs: count,
      },
    },
  },
} as const;

const validate: ValidateFunction<AiGatewayConfig> = new Ajv({
  allErrors: true,
  strict: false,
}).compile<AiGatewayConfig>(schema);

/**
 * What a file an older version rendered lacks (no local models, no semantic cache): the file a roll back or a
 * downgrade may bring back must still load.
 */
function withDefaults(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const c = raw as Record<string, unknown>;
  const cache = (c.cache ?? {}) as { dir?: unknown; ttlSeconds?: unknown };
  const semanticCache = {
    enabled: false,
    embeddingModel: '',
    threshold: 0.95,
    ttlSeconds: typeof cache.ttlSeconds === 'number' ? cache.ttlSeconds : 3600,
    maxEntries: 1,
    dir: typeof cache.dir === 'string' ? `${cache.dir}-semantic` : '/nonexistent',
    embedTimeoutMs: 2000,
  };
  return { localModels: [], semanticCache, ...c };
}

/** The config, or every reason it is refused (schema errors, then cross-references). */
export function checkConfig(given: unknown): { ok: true; config: AiGatewayConfig } | { ok: false; errors: string[] } {
  const raw = withDefaults(given);
  if (!validate(raw))
    return { ok: false, errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`) };
  const providers = new Set(raw.providers.map((p) => p.name));
  const errors = raw.models.flatMap((m) =>
    m.targets.filter((t) => !providers.has(t.provider)).map((t) => `model ${m.name}: no provider named ${t.provider}`),
  );
  for (const l of raw.localModels)
    for (const t of l.overflow.fallback?.targets ?? [])
      if (!providers.has(t.provider))
        errors.push(`local model ${l.name}: fallback provider ${t.provider} is not configured`);
  if (raw.auth.mode === 'keys' && new Set(raw.auth.keys.map((k) => k.sha256)).size !== raw.auth.keys.length)
    errors.push('two gateway keys have the same value');
  return errors.length ? { ok: false, errors } : { ok: true, config: raw };
}
