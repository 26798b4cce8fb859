import type { LocalModelConfig, ModelConfig } from '../../ai-gateway/config.js';
import { servedNameOf, type LocalModelSpec } from '../local-model-common/spec.js';
import { localModelKind } from '../../crds-equivalent/local-model.js';
import type { StoredResource } from '../../runtime/controller.js';
import type { Admitted, ResourceAdmission } from '../../runtime/resource-admission.js';
import { modelConfigs } from './render.js';
import type { AiGatewaySpec } from './spec.js';

/** What the gateway makes of the LocalModel resources: their endpoints, and problems with their fallbacks. */
export interface LocalModelRouting {
  configs: LocalModelConfig[];
  problems: { resource: string; reason: string; message: string }[];
}

/**
 * Each admitted LocalModel as the data plane reaches it: vLLM on loopback at its port, its overflow policy, and its
 * fallback resolved against the model table (with that model's own fallbacks). A fallback that is not a remote model
 * of the right kind is dropped, with a problem: its spill then rejects, so nothing leaves. Pure.
 */
export function localModelRouting(
  admitted: readonly Admitted<LocalModelSpec>[],
  models: readonly ModelConfig[],
): LocalModelRouting {
  const problems: LocalModelRouting['problems'] = [];
  const configs = admitted.map(({ name, spec }): LocalModelConfig => {
    const servedName = servedNameOf(name, spec);
    const kind = spec.task === 'embed' ? 'embeddings' : 'chat';
    const { overflow } = spec;
    const fallback = overflow.fallback ? models.find((m) => m.name === overflow.fallback) : undefined;
    const problem = overflow.fallback ? fallbackProblem(overflow.fallback, fallback, kind) : undefined;
    if (problem) problems.push({ resource: name, reason: 'FallbackUnusable', message: problem });
    const usable = fallback && !problem ? { model: fallback.name, targets: fallback.targets } : undefined;
    const base = `http://127.0.0.1:${spec.port}`;
    return {
      name: `local/${servedName}`,
      servedName,
      baseUrl: `${base}/v1`,
      metricsUrl: `${base}/metrics`,
      kind,
      overflow: {
        policy: overflow.policy,
        ...(usable ? { fallback: usable } : {}),
        maxConcurrency: overflow.maxConcurrency ?? spec.maxNumSeqs,
        ...(overflow.maxServerWaiting !== undefined ? { maxServerWaiting: overflow.maxServerWaiting } : {}),
        queue: { maxSize: overflow.queue.maxSize, maxWaitMs: Math.round(overflow.queue.maxWaitSeconds * 1000) },
        firstTokenTimeoutMs: Math.round(overflow.firstTokenTimeoutSeconds * 1000),
      },
    };
  });
  return { configs, problems };
}

/**
 * The gateway's local routes from the LocalModel resources (admitted as the LocalModel controller admits them), and
 * a problem when the semantic cache embeds with a local model that serves no embeddings.
 */
export function localRoutingFor(
  spec: AiGatewaySpec,
  resources: readonly StoredResource[],
  admission: ResourceAdmission<LocalModelSpec>,
): LocalModelRouting {
  const { admitted } = admission.admit({ kind: localModelKind.kind, resources: [...resources] });
  const routing = localModelRouting(admitted, modelConfigs(spec.models));
  const embedder = spec.semanticCache.enabled ? spec.semanticCache.embeddingModel : undefined;
  if (embedder?.startsWith('local/') && !routing.configs.some((c) => c.name === embedder && c.kind === 'embeddings'))
    routing.problems.push({
      resource: embedder.slice('local/'.length),
      reason: 'EmbedderUnusable',
      message: `spec.semanticCache.embeddingModel ${embedder} is no LocalModel with task embed: every semantic lookup is a plain miss`,
    });
  return routing;
}

function fallbackProblem(name: string, model: ModelConfig | undefined, kind: ModelConfig['kind']): string | undefined {
  const then = 'so a spill rejects instead (nothing leaves the instance)';
  if (!model) return `overflow.fallback ${name} is not in the AiGateway's model table, ${then}`;
  if (model.kind !== kind) return `overflow.fallback ${name} serves ${model.kind}, not ${kind}, ${then}`;
  return undefined;
}
