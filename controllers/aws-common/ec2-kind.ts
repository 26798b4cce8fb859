import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { AnyController } from '../../runtime/controller.js';
import type { AwsFacts, KindModule } from '../../runtime/kind-module.js';
import type { Validation } from '../../runtime/spec-validation.js';
import { createUnavailableController } from './unavailable.js';

/** An EC2 kind: its controller where this node has an EC2 identity, else a stand-in that says why it cannot work. */
export function ec2KindModule(
  definition: KindDefinition,
  validateSpec: (raw: unknown) => Validation<unknown>,
  create: (aws: AwsFacts) => AnyController,
): KindModule {
  return {
    definition,
    validateSpec,
    createController: ({ aws }) =>
      'unavailable' in aws
        ? createUnavailableController(definition, validateSpec, 'InstanceIdentityUnavailable', aws.unavailable)
        : create(aws),
  };
}
