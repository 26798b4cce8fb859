import schema from '../schemas/elastic-ip.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const elasticIpKind: KindDefinition = {
  kind: 'ElasticIp',
  plural: 'elasticips',
  aliases: ['elasticip', 'eip'],
  scope: 'cluster',
  singletonName: 'master',
  schema,
  printerColumns: [
    { name: 'ALLOCATION', path: 'spec.allocationId' },
    { name: 'ENI', path: 'spec.networkInterfaceId' },
  ],
  example: {
    kind: 'ElasticIp',
    name: 'master',
    spec: { allocationId: 'eipalloc-0a1b2c3d4e5f60718' },
  },
};
