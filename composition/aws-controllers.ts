import { azRoutesKind } from '../crds-equivalent/az-routes.js';
import type { KindDefinition } from '../crds-equivalent/index.js';
import { elasticIpKind } from '../crds-equivalent/elastic-ip.js';
import { sourceDestCheckKind } from '../crds-equivalent/source-dest-check.js';
import type { Ec2Port, InstanceIdentity } from '../runtime/aws/ports.js';
import type { AnyController } from '../runtime/controller.js';
import type { LeaseGuard } from '../runtime/lease/fencing.js';
import type { Validation } from '../runtime/spec-validation.js';
import { createUnavailableController } from '../controllers/aws-common/unavailable.js';
import { createAzRoutesController, type Ec2For } from '../controllers/az-routes/index.js';
import { validateAzRoutesSpec } from '../controllers/az-routes/spec.js';
import { createElasticIpController } from '../controllers/elastic-ip/index.js';
import { validateElasticIpSpec } from '../controllers/elastic-ip/spec.js';
import { createSourceDestCheckController } from '../controllers/source-dest-check/index.js';
import { validateSourceDestCheckSpec } from '../controllers/source-dest-check/spec.js';

/** What the EC2 controllers of one node need: who it is, its EC2 ports, and the guards of its lease scopes. */
export interface AwsFacts {
  identity: InstanceIdentity;
  /** EC2 with the instance role: the base features (master EIP, source/dest check). */
  ec2: Ec2Port;
  /** EC2 through the operational role, per account (undefined: the home account). Never the instance role. */
  operationalEc2: Ec2For;
  leases: { cluster: LeaseGuard; az: LeaseGuard };
}

/** The EC2 controllers, or stand-ins that report why they cannot work on a node without an EC2 identity. */
export function createAwsControllers(aws: AwsFacts | { unavailable: string }): AnyController[] {
  if ('unavailable' in aws) {
    const stand = (kind: KindDefinition, validate: (raw: unknown) => Validation<unknown>): AnyController =>
      createUnavailableController(kind, validate, 'InstanceIdentityUnavailable', aws.unavailable);
    return [
      stand(elasticIpKind, validateElasticIpSpec),
      stand(azRoutesKind, validateAzRoutesSpec),
      stand(sourceDestCheckKind, validateSourceDestCheckSpec),
    ];
  }
  const { identity, ec2, operationalEc2, leases } = aws;
  return [
    createElasticIpController({ ec2, identity, lease: leases.cluster }),
    createAzRoutesController({ ec2For: operationalEc2, identity, lease: leases.az }),
    createSourceDestCheckController({ ec2, identity }),
  ];
}
