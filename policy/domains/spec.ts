import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import { parseDomainPattern } from './pattern.js';
import type { DomainFilterSpec } from './policy.js';

const validator = new SpecValidator([domainFilterKind]);

/** Schema, then every pattern parsed: anything that is not a domain name never reaches a rendered config. */
export function validateDomainFilterSpec(raw: unknown): Validation<DomainFilterSpec> {
  const result = validator.validate<DomainFilterSpec>(domainFilterKind, raw);
  if (!result.ok) return result;
  const errors = result.value.domains.flatMap((text, i) => {
    const parsed = parseDomainPattern(text);
    // JSON quoting shows the value safely, whatever it holds.
    return 'error' in parsed ? [`spec.domains[${i}]: ${JSON.stringify(text)} is ${parsed.error}`] : [];
  });
  return errors.length > 0 ? { ok: false, errors } : result;
}
