import type { KindDefinition } from '../crds-equivalent/index.js';
import type { Validation } from '../runtime/spec-validation.js';
import { validateSourceNatSpec } from './source-nat/spec.js';

/** Spec validation per kind, without any ports: shared by the controllers and `csgw apply`. */
const validators: Record<string, (raw: unknown) => Validation<unknown>> = {
  SourceNat: validateSourceNatSpec,
};

export function validateResourceSpec(kind: KindDefinition, raw: unknown): Validation<unknown> {
  const validate = validators[kind.kind];
  return validate ? validate(raw) : { ok: false, errors: [`no controller handles kind ${kind.kind}`] };
}
