import type { StoredResource } from './controller.js';
import { parseSpecJson, type Validation } from './spec-validation.js';

/** A resource another kind's spec names, validated. */
export interface Referenced<S> {
  name: string;
  generation: number;
  spec: S;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * The resources of `kind` a spec names (`field` says where), each validated by the kind's own validation. A missing
 * or invalid one is an error of the referring generation, so its last good config keeps running.
 */
export function resolveReferences<S>(
  field: string,
  kind: string,
  names: readonly string[],
  resources: readonly StoredResource[],
  validate: (raw: unknown) => Validation<S>,
): Resolved<Referenced<S>[]> {
  const errors: string[] = [];
  const value: Referenced<S>[] = [];
  for (const name of names) {
    const resource = resources.find((r) => r.name === name);
    if (!resource) {
      errors.push(`${field}: ${kind} ${name} does not exist`);
      continue;
    }
    const parsed = parseSpecJson(resource.value);
    const result = parsed.ok ? validate(parsed.value) : parsed;
    if (result.ok) value.push({ name, generation: resource.generation, spec: result.value });
    else errors.push(...result.errors.map((e) => `${kind} ${name} (generation ${resource.generation}): ${e}`));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
