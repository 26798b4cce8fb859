import { localModelKind } from '../../crds-equivalent/local-model.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { describeRejection, type ResourceAdmission } from '../../runtime/resource-admission.js';
import { servedNameOf, type LocalModelSpec } from '../local-model-common/spec.js';
import { renderVllmConfig, vllmRevision } from './daemon.js';
import { localModelPaths } from './paths.js';
import type { LocalModelDesired, ModelTarget } from './types.js';

/**
 * Every admitted LocalModel rendered into a vLLM revision. A rejected edit keeps the resource's last admitted
 * generation running (ResourceAdmission), so a typo never stops a model that was serving.
 */
export function decodeLocalModels(
  snapshot: KindSnapshot,
  admission: ResourceAdmission<LocalModelSpec>,
  daemonDir: string,
): DecodeResult<LocalModelDesired> {
  const { admitted, rejected } = admission.admit(snapshot);
  const models = admitted.map((a) => modelTarget(a.name, a.generation, a.spec, daemonDir));
  const ignored = rejected.map((r) => ({ name: r.name, reason: describeRejection(localModelKind.kind, r) }));
  const spec: LocalModelDesired = { models, rejected };
  if (admitted.length === 0) return { ok: true, desired: { spec }, ignored };
  const name = admitted.map((a) => a.name).join(',');
  const generation = Math.max(...admitted.map((a) => a.generation));
  return { ok: true, desired: { name, generation, spec }, ignored };
}

function modelTarget(name: string, generation: number, spec: LocalModelSpec, daemonDir: string): ModelTarget {
  const servedName = servedNameOf(name, spec);
  const { weights } = spec;
  // Synced weights land in the model's own directory only: a spec never names where the operator writes.
  const dir = weights.path ?? localModelPaths(daemonDir, name).weightsDir;
  const revision = vllmRevision(renderVllmConfig(spec, servedName, dir), spec.port, servedName);
  const notes =
    spec.overflow.policy === 'spill' && !spec.overflow.fallback
      ? [
          {
            reason: 'SpillWithoutFallback',
            message: `LocalModel/${name}: overflow.policy spill has no fallback, so it rejects: nothing leaves the instance`,
          },
        ]
      : [];
  return {
    name,
    generation,
    servedName,
    port: spec.port,
    revision: { ...revision, generation },
    ...(weights.s3Uri
      ? { sync: { uri: weights.s3Uri, ...(weights.s3Region ? { region: weights.s3Region } : {}), dir } }
      : {}),
    notes,
  };
}
