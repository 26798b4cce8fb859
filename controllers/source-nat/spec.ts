import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import { checkCidrList } from '../../runtime/net/cidr.js';

/** The SourceNat spec after schema validation (defaults applied). */
export interface SourceNatSpec {
  enable: boolean;
  sourceCidrs?: string[];
  excludeDestinationCidrs?: string[];
  egressInterface?: string;
  mode: 'masquerade' | 'snat';
  snatAddress?: string;
  conntrack?: { max?: number; tcpEstablishedTimeoutSeconds?: number };
}

const validator = new SpecValidator([sourceNatKind]);

/** Schema validation, then the checks a schema cannot express (host bits, overlaps). */
export function validateSourceNatSpec(raw: unknown): Validation<SourceNatSpec> {
  const result = validator.validate<SourceNatSpec>(sourceNatKind, raw);
  if (!result.ok) return result;
  const errors = [
    ...(result.value.mode !== 'snat' && result.value.snatAddress
      ? ['spec.snatAddress: only valid with mode snat']
      : []),
    ...checkCidrList('spec.sourceCidrs', result.value.sourceCidrs ?? []),
    ...checkCidrList('spec.excludeDestinationCidrs', result.value.excludeDestinationCidrs ?? []),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}
