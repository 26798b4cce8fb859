import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { ec2KindModule } from '../aws-common/ec2-kind.js';
import { createAzRoutesController } from './index.js';
import { validateAzRoutesSpec } from './spec.js';

export const azRoutesModule: KindModule = ec2KindModule(azRoutesKind, validateAzRoutesSpec, (aws) =>
  createAzRoutesController({ ec2For: aws.operationalEc2, identity: aws.identity, lease: aws.leases.az }),
);
