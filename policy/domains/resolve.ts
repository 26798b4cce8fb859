import type { StoredResource } from '../../runtime/controller.js';
import { parseSpecJson } from '../../runtime/spec-validation.js';
import type { DomainFilterSpec } from './policy.js';
import { validateDomainFilterSpec } from './spec.js';

export interface NamedFilter {
  name: string;
  generation: number;
  spec: DomainFilterSpec;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * The DomainFilters a spec names (`field` says where), each validated. A missing or invalid one is an error of the
 * referring generation, so its last good config keeps running.
 */
export function resolveDomainFilters(
  field: string,
  names: readonly string[],
  resources: readonly StoredResource[],
): Resolved<NamedFilter[]> {
  const errors: string[] = [];
  const value: NamedFilter[] = [];
  for (const name of names) {
    const resource = resources.find((r) => r.name === name);
    if (!resource) {
      errors.push(`${field}: DomainFilter ${name} does not exist`);
      continue;
    }
    const parsed = parseSpecJson(resource.value);
    const result = parsed.ok ? validateDomainFilterSpec(parsed.value) : parsed;
    if (result.ok) value.push({ name, generation: resource.generation, spec: result.value });
    else errors.push(...result.errors.map((e) => `DomainFilter ${name} (generation ${resource.generation}): ${e}`));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
