import schema from '../schemas/forward-proxy.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const forwardProxyKind: KindDefinition = {
  kind: 'ForwardProxy',
  plural: 'forwardproxies',
  aliases: ['forwardproxy', 'proxy', 'fp'],
  scope: 'node',
  singletonName: 'default',
  schema,
  printerColumns: [
    { name: 'ENABLE', path: 'spec.enable' },
    { name: 'PORT', path: 'spec.port' },
    { name: 'FILTERS', path: 'spec.domainFilters' },
  ],
  example: {
    kind: 'ForwardProxy',
    name: 'default',
    spec: {
      enable: true,
      port: 3128,
      allowedClientCidrs: ['10.0.0.0/16'],
      authentication: { type: 'basic', secretRef: { name: 'proxy-users', key: 'htpasswd' } },
      cache: { enabled: true, memoryMb: 256, diskMb: 2048, maxObjectSizeKb: 65536 },
      bandwidth: { perClientKbps: 20000 },
      connectPorts: [443],
      domainFilters: ['corp-deny'],
    },
  },
};
