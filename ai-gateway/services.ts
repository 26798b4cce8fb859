import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildAuditLine, type AuditInput } from './audit/record.js';
import { AuditWriter } from './audit/writer.js';
import { cacheable, cacheKey, storable } from './cache/canonical.js';
import { ExactCache, type CacheStats } from './cache/store.js';
import { embedderIdentity, type AiGatewayConfig } from './config.js';
import { cost, normaliseUsage, type TokenUsage } from './metering/cost.js';
import type { UsageLedger } from './metering/ledger.js';
import { Metering } from './metering/metering.js';
import type { CallOutcome, ChatCache, OutcomeSink } from './server/context.js';
import { SemanticLayer } from './server/semantic-layer.js';
import { SemanticCache } from './semantic/store.js';

const ENDPOINTS: Record<CallOutcome['endpoint'], string> = {
  chat: '/v1/chat/completions',
  embeddings: '/v1/embeddings',
  responses: '/v1/responses',
};

/** What the request path records to and reads from, opened once per process (their config needs a restart). */
export interface Services {
  chatCache: ChatCache;
  sink: OutcomeSink;
  registry: Registry;
  ledger: UsageLedger;
  cacheStats(): CacheStats;
  /** The semantic cache, when on (its answers are the exact cache's). */
  semantic?: SemanticLayer;
  /** The provider API keys the audit writer must never write, even inside a captured prompt. */
  setSecrets(secrets: string[]): void;
  close(): Promise<void>;
}

export async function openServices(config: AiGatewayConfig, log: Logger): Promise<Services> {
  const cache = new ExactCache(config.cache, Date.now, log);
  await cache.open();
  const metering = new Metering(config.metering, Date.now, log, cache);
  await metering.open();
  const audit = new AuditWriter(config.audit, Date.now, log);
  await audit.open();
  const secrets = (c: AiGatewayConfig): string[] => c.providers.flatMap((p) => (p.apiKey ? [p.apiKey] : []));
  audit.setSecrets(secrets(config));
  const semantic = openSemantic(config, log, metering.metrics.registry);
  return {
    ...(semantic ? { semantic } : {}),
    chatCache: chatCache(config, cache, log),
    sink: { record: (o) => record(o, metering, audit, config.audit.prompts) },
    registry: metering.metrics.registry,
    ledger: metering.ledger,
    cacheStats: () => cache.stats(),
    setSecrets: (s) => audit.setSecrets(s),
    close: async () => {
      semantic?.close();
      await audit.close();
      await metering.close();
      await cache.close();
    },
  };
}

function openSemantic(config: AiGatewayConfig, log: Logger, registry: Registry): SemanticLayer | undefined {
  const sc = config.semanticCache;
  if (!sc.enabled || !config.cache.enabled) return undefined;
  const store = SemanticCache.open({
    dir: sc.dir,
    maxEntries: sc.maxEntries,
    ttlSeconds: sc.ttlSeconds,
    model: embedderIdentity(config),
    log,
  });
  return new SemanticLayer(store, registry);
}

/** The exact-match cache as the request path uses it: keyed per scope, only what may be cached. */
function chatCache(config: AiGatewayConfig, cache: ExactCache, log: Logger): ChatCache {
  return {
    keyFor: (request, model, scope) =>
      config.cache.enabled && cacheable(request).cacheable ? cacheKey(request, model, scope) : undefined,
    get: async (key) => (await cache.get(key))?.completion,
    // Never fails the request: an answer that cannot be stored is only not cached.
    set: async (key, completion, meta) => {
      try {
        if (!storable(completion).cacheable || !completion.usage) return;
        await cache.set(key, { completion, model: meta.model, provider: meta.provider, usage: completion.usage });
      } catch (err) {
        log.warn({ err, provider: meta.provider }, 'an answer could not be cached');
      }
    },
  };
}

/** One call, once: the ledger and counters, the latency histograms, the audit line. A hit costs nothing and saves its price. */
function record(
  o: CallOutcome,
  metering: Metering,
  audit: AuditWriter,
  prompts: AiGatewayConfig['audit']['prompts'],
): void {
  const tokens = normaliseUsage(o.usage);
  const priced = o.resolved ? cost(tokens, o.resolved.price) : 0;
  const money =
    o.cache === 'hit' || o.cache === 'semantic' ? { costUsd: 0, savedUsd: priced } : { costUsd: priced, savedUsd: 0 };
  // Label values only from the config: a client naming random models cannot grow the metrics without bound.
  const model = o.routedModel ?? '(unrouted)';
  const provider = o.resolved?.provider ?? '(none)';
  const time = Date.now() - o.totalMs;
  const { prompt, completion, cached } = tokens;
  metering.record({
    time,
    keyId: o.keyId,
    model,
    provider,
    cache: o.cache,
    status: o.status,
    promptTokens: prompt,
    completionTokens: completion,
    cachedTokens: cached,
    ...money,
  });
  metering.metrics.observe({
    model,
    provider,
    totalMs: o.totalMs,
    ...defined({ overheadMs: o.overheadMs, ttftMs: o.ttftMs }),
  });
  audit.write(buildAuditLine(auditInput(o, time, tokens, money), prompts));
}

function auditInput(
  o: CallOutcome,
  time: number,
  tokens: TokenUsage,
  money: { costUsd: number; savedUsd: number },
): AuditInput {
  return {
    time,
    requestId: o.requestId,
    endpoint: ENDPOINTS[o.endpoint],
    keyId: o.keyId === 'anonymous' || o.keyId === 'passthrough' ? null : o.keyId,
    clientAddress: o.clientAddress,
    requestedModel: o.requestedModel || null,
    resolvedModel: o.resolved ? `${o.resolved.provider}:${o.resolved.model}` : null,
    provider: o.resolved?.provider ?? null,
    stream: o.stream,
    cache: o.cache,
    status: o.status,
    errorCode: o.errorCode ?? null,
    tokens,
    ...money,
    overheadMs: o.overheadMs ?? null,
    ttftMs: o.ttftMs ?? null,
    totalMs: o.totalMs,
    attempts: o.tried.map((a) => ({
      provider: a.provider,
      model: a.model,
      outcome: a.ok ? 'ok' : 'failed',
      ...defined({ status: a.status, code: a.code }),
      durationMs: a.ms,
    })),
    ...(o.request ? { prompt: promptOf(o.request) } : {}),
    ...(o.local ? { local: o.local } : {}),
  };
}

/** The fields whose value is defined. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function promptOf(request: Record<string, unknown>): unknown {
  return 'messages' in request ? request.messages : request.input;
}
