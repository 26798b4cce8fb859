import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { ec2KindModule } from '../aws-common/ec2-kind.js';
import { createElasticIpController } from './index.js';
import { validateElasticIpSpec } from './spec.js';

export const elasticIpModule: KindModule = ec2KindModule(elasticIpKind, validateElasticIpSpec, (aws) =>
  createElasticIpController({ ec2: aws.ec2, identity: aws.identity, lease: aws.leases.cluster }),
);
