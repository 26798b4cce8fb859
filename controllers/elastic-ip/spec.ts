import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';

/** The ElasticIp spec after schema validation. */
export interface ElasticIpSpec {
  allocationId: string;
  networkInterfaceId?: string;
  privateIpAddress?: string;
}

const validator = new SpecValidator([elasticIpKind]);

/** The schema says it all: ids are anchored hex patterns, so nothing else can reach the EC2 API. */
export function validateElasticIpSpec(raw: unknown): Validation<ElasticIpSpec> {
  return validator.validate<ElasticIpSpec>(elasticIpKind, raw);
}
