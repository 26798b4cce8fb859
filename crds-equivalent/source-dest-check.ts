import schema from '../schemas/source-dest-check.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const sourceDestCheckKind: KindDefinition = {
  kind: 'SourceDestCheck',
  plural: 'sourcedestchecks',
  aliases: ['sourcedestcheck', 'sdc'],
  scope: 'node',
  singletonName: 'default',
  schema,
  printerColumns: [
    { name: 'ENABLED', path: 'spec.enabled' },
    { name: 'ENI', path: 'spec.networkInterfaceId' },
  ],
  // EC2 drops forwarded packets while the check is on: a gateway cannot do its base job without turning it off.
  bootstrap: { name: 'default', spec: { enabled: false } },
  example: { kind: 'SourceDestCheck', name: 'default', spec: { enabled: false } },
};
