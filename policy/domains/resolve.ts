import type { StoredResource } from '../../runtime/controller.js';
import { resolveReferences, type Referenced, type Resolved } from '../../runtime/resolve-references.js';
import type { DomainFilterSpec } from './policy.js';
import { validateDomainFilterSpec } from './spec.js';

export type NamedFilter = Referenced<DomainFilterSpec>;
export type { Resolved };

/** The DomainFilters a spec names (`field` says where), each validated; see resolveReferences. */
export function resolveDomainFilters(
  field: string,
  names: readonly string[],
  resources: readonly StoredResource[],
): Resolved<NamedFilter[]> {
  return resolveReferences(field, 'DomainFilter', names, resources, validateDomainFilterSpec);
}
