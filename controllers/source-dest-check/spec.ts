import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';

/** The SourceDestCheck spec after schema validation. */
export interface SourceDestCheckSpec {
  enabled: boolean;
  networkInterfaceId?: string;
}

const validator = new SpecValidator([sourceDestCheckKind]);

export function validateSourceDestCheckSpec(raw: unknown): Validation<SourceDestCheckSpec> {
  return validator.validate<SourceDestCheckSpec>(sourceDestCheckKind, raw);
}
