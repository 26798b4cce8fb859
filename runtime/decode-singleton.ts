import type { KindDefinition } from '../crds-equivalent/index.js';
import type { DecodeResult, KindSnapshot } from './controller.js';
import { parseSpecJson, type Validation } from './spec-validation.js';

/**
 * Decodes a singleton kind: only the resource named kind.singletonName counts, the others are reported as ignored.
 * With no resource, `absent` is the desired spec, so the controller converges to owning nothing.
 */
export function decodeSingleton<S>(
  kind: KindDefinition,
  snapshot: KindSnapshot,
  validate: (raw: unknown) => Validation<S>,
  absent: S,
): DecodeResult<S> {
  const wanted = kind.singletonName ?? 'default';
  const ignored = snapshot.resources
    .filter((r) => r.name !== wanted)
    .map((r) => ({ name: r.name, reason: `only "${wanted}" is used: ${kind.kind} is one per gateway` }));
  const resource = snapshot.resources.find((r) => r.name === wanted);
  if (!resource) return { ok: true, desired: { spec: absent }, ignored };
  const parsed = parseSpecJson(resource.value);
  const result = parsed.ok ? validate(parsed.value) : parsed;
  if (!result.ok) return { ok: false, name: resource.name, generation: resource.generation, errors: result.errors };
  return { ok: true, desired: { name: resource.name, generation: resource.generation, spec: result.value }, ignored };
}
