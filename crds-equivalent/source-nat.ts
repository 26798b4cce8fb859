import schema from '../schemas/source-nat.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const sourceNatKind: KindDefinition = {
  kind: 'SourceNat',
  plural: 'sourcenats',
  aliases: ['sourcenat', 'snat'],
  scope: 'node',
  singletonName: 'default',
  schema,
  printerColumns: [
    { name: 'ENABLE', path: 'spec.enable' },
    { name: 'MODE', path: 'spec.mode' },
    { name: 'EGRESS', path: 'spec.egressInterface' },
    { name: 'SOURCES', path: 'spec.sourceCidrs' },
  ],
  bootstrap: { name: 'default', spec: { enable: true } },
  example: {
    kind: 'SourceNat',
    name: 'default',
    spec: {
      enable: true,
      sourceCidrs: ['10.0.0.0/16'],
      egressInterface: 'eth0',
      mode: 'masquerade',
      conntrack: { max: 262144, tcpEstablishedTimeoutSeconds: 7440 },
    },
  },
};
