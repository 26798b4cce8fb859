import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { ec2KindModule } from '../aws-common/ec2-kind.js';
import { createSourceDestCheckController } from './index.js';
import { validateSourceDestCheckSpec } from './spec.js';

export const sourceDestCheckModule: KindModule = ec2KindModule(
  sourceDestCheckKind,
  validateSourceDestCheckSpec,
  (aws) => createSourceDestCheckController({ ec2: aws.ec2, identity: aws.identity }),
);
