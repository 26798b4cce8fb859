import { secretKind } from '../../crds-equivalent/secret.js';
import type { StoredResource } from '../controller.js';
import { parseSpecJson, SpecValidator, type Validation } from '../spec-validation.js';

export interface SecretSpec {
  data: Record<string, string>;
}

export interface SecretRef {
  name: string;
  key: string;
}

/** A secret value with where it came from; the value must never reach logs or status. */
export interface ResolvedSecret {
  name: string;
  generation: number;
  value: string;
}

const validator = new SpecValidator([secretKind]);

export function validateSecretSpec(raw: unknown): Validation<SecretSpec> {
  return validator.validate<SecretSpec>(secretKind, raw);
}

/**
 * Finds ref among the listed Secret resources. Errors name the secret and key, never a value: they end up in
 * status and events.
 */
export function resolveSecret(
  secrets: readonly StoredResource[],
  ref: SecretRef,
): { ok: true; secret: ResolvedSecret } | { ok: false; error: string } {
  const resource = secrets.find((s) => s.name === ref.name);
  if (!resource) return { ok: false, error: `Secret ${ref.name} does not exist` };
  const parsed = parseSpecJson(resource.value);
  const spec = parsed.ok ? validateSecretSpec(parsed.value) : parsed;
  if (!spec.ok) return { ok: false, error: `Secret ${ref.name} (generation ${resource.generation}) is not valid` };
  // Own keys only: a key named like an Object.prototype member must not resolve to it.
  const data = spec.value.data;
  if (!Object.hasOwn(data, ref.key)) return { ok: false, error: `Secret ${ref.name} has no key ${ref.key}` };
  return { ok: true, secret: { name: ref.name, generation: resource.generation, value: data[ref.key]! } };
}
