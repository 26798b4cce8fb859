import schema from '../schemas/az-routes.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const azRoutesKind: KindDefinition = {
  kind: 'AzRoutes',
  plural: 'azroutes',
  aliases: ['azroute'],
  scope: 'az',
  schema,
  printerColumns: [
    { name: 'AZ', path: 'spec.availabilityZoneId' },
    { name: 'TABLES', path: 'spec.routeTableIds' },
    { name: 'DESTINATIONS', path: 'spec.destinationCidrs' },
  ],
  example: {
    kind: 'AzRoutes',
    name: 'use1-az1',
    spec: {
      availabilityZoneId: 'use1-az1',
      routeTableIds: ['rtb-0123456789abcdef0', 'rtb-0fedcba9876543210'],
      destinationCidrs: ['0.0.0.0/0'],
    },
  },
};
