import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import { canonicalCidr } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import schema from '../../schemas/az-routes.schema.json' with { type: 'json' };

/** The AzRoutes spec after schema validation (defaults applied). */
export interface AzRoutesSpec {
  availabilityZoneId: string;
  routeTableIds: string[];
  destinationCidrs: string[];
  networkInterfaceId?: string;
  accountId?: string;
}

const validator = new SpecValidator([azRoutesKind]);
const AZ_ID = new RegExp(schema.properties.availabilityZoneId.pattern);

/** A well-formed AZ ID (use1-az1), by the schema's own pattern. */
export function isAzId(value: string): boolean {
  return AZ_ID.test(value);
}

/**
 * Schema validation, then host bits: EC2 stores destinations in canonical form, so 10.0.0.5/16 would never match
 * the route it created and every pass would try to create it again.
 */
export function validateAzRoutesSpec(raw: unknown): Validation<AzRoutesSpec> {
  const result = validator.validate<AzRoutesSpec>(azRoutesKind, raw);
  if (!result.ok) return result;
  const errors = result.value.destinationCidrs.flatMap((cidr, i) => {
    const canonical = canonicalCidr(cidr);
    return canonical === cidr
      ? []
      : [`spec.destinationCidrs[${i}]: ${cidr} has host bits set; did you mean ${canonical}?`];
  });
  return errors.length > 0 ? { ok: false, errors } : result;
}
