import { Counter, Histogram, type Registry } from 'prom-client';
import type { ChatCompletion, ChatRequest } from '../openai/types.js';
import { semanticKey } from '../semantic/partition.js';
import type { SemanticCache } from '../semantic/store.js';
import type { ChatCache, RequestContext } from './context.js';
import type { Route } from './runtime.js';

/** A semantic hit: the stored answer and how similar its question was. */
export interface SemanticHit {
  completion: ChatCompletion;
  similarity: number;
}

/** What a miss leaves for the answer's store: where to file it, under the exact-cache key that will hold it. */
export interface SemanticPending {
  partition: string;
  vector: Float32Array;
}

export type SemanticLookup = { hit: SemanticHit } | { pending?: SemanticPending };

type LookupResult = 'hit' | 'miss' | 'error' | 'skipped';

/**
 * The semantic cache in the request path, after an exact miss: the request's partition (everything that must match
 * exactly) and the embedding of its conversation; a stored question similar enough in the same partition answers
 * from the exact cache. Any failure of the embedder is a plain miss. A local model whose prompts must stay on the
 * instance (queue, reject, or no fallback) is looked up only with a local embedding model.
 */
export class SemanticLayer {
  private readonly lookups: Counter<'result'>;
  private readonly embedSeconds: Histogram;

  constructor(
    private readonly store: SemanticCache,
    registry: Registry,
  ) {
    this.lookups = new Counter({
      name: 'csgw_ai_semantic_lookups_total',
      help: 'Semantic cache lookups by result (hit, miss, error: the embedder failed, skipped: not applicable)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.embedSeconds = new Histogram({
      name: 'csgw_ai_semantic_embedding_seconds',
      help: 'Time to embed a request for the semantic cache',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  async lookup(
    ctx: RequestContext,
    route: Route,
    request: ChatRequest,
    scope: string,
    cache: ChatCache,
  ): Promise<SemanticLookup> {
    const config = ctx.runtime.config.semanticCache;
    const primary = route.targets[0];
    if (!config.enabled || !primary || !this.applies(ctx, route)) return this.count('skipped', {});
    const key = semanticKey(request, `${primary.provider}:${primary.model}`, scope);
    if ('refused' in key) return this.count('skipped', {});
    const vector = await this.embed(ctx, key.text);
    if (!vector) return this.count('error', {});
    const pending = { partition: key.partition, vector };
    const found = this.store.lookup(key.partition, vector, config.threshold);
    if (!found) return this.count('miss', { pending });
    const completion = await cache.get(found.key);
    if (!completion) {
      // The exact cache let the answer go (its TTL or size): the pointer is dead.
      this.store.remove(found.key);
      return this.count('miss', { pending });
    }
    return this.count('hit', { hit: { completion, similarity: found.similarity } });
  }

  /** Files the question under the exact-cache key its answer was just stored with. */
  remember(pending: SemanticPending, key: string): void {
    this.store.insert(pending.partition, key, pending.vector);
  }

  stats(): { entries: number; bytes: number } {
    const { entries, bytes } = this.store.stats();
    return { entries, bytes };
  }

  close(): void {
    this.store.close();
  }

  private applies(ctx: RequestContext, route: Route): boolean {
    const { models, embeddingModel } = ctx.runtime.config.semanticCache;
    if (models && !models.includes(route.label)) return false;
    // A passthrough caller is not the gateway's to spend its embedding model on.
    if (route.kind === 'embeddings' || 'authorization' in ctx.caller) return false;
    const local = route.local;
    const mayLeave = !local || (local.overflow.policy === 'spill' && local.fallback.length > 0);
    if (mayLeave) return true;
    const embedder = ctx.runtime.route(embeddingModel);
    return 'targets' in embedder && embedder.local !== undefined;
  }

  /** The conversation's embedding, or undefined when the embedder failed or was too slow (a miss, never an error). */
  private async embed(ctx: RequestContext, text: string): Promise<Float32Array | undefined> {
    const { embeddingModel, embedTimeoutMs } = ctx.runtime.config.semanticCache;
    const route = ctx.runtime.route(embeddingModel);
    const target = 'targets' in route ? route.targets[0] : undefined;
    if (!target) return undefined;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(embedTimeoutMs)]);
    const started = performance.now();
    try {
      const answer = await target.instance.embeddings(
        { model: target.model, input: text },
        { signal, requestId: ctx.requestId },
      );
      if (!answer.ok) return undefined;
      const embedding = answer.response.data[0]?.embedding;
      return Array.isArray(embedding) && embedding.length > 0 ? Float32Array.from(embedding) : undefined;
    } catch {
      return undefined;
    } finally {
      this.embedSeconds.observe((performance.now() - started) / 1000);
    }
  }

  private count<T>(result: LookupResult, value: T): T {
    this.lookups.inc({ result });
    return value;
  }
}
