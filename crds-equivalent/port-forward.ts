import schema from '../schemas/port-forward.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const portForwardKind: KindDefinition = {
  kind: 'PortForward',
  plural: 'portforwards',
  aliases: ['portforward', 'pf'],
  scope: 'node',
  schema,
  // A rules list prints as JSON, too wide for a column: `csgw get portforward <name> -o yaml` shows it.
  printerColumns: [],
  example: {
    kind: 'PortForward',
    name: 'web',
    spec: {
      rules: [
        { listenPort: 8080, destinationIp: '10.0.1.5', destinationPort: 80, description: 'intranet web server' },
        {
          listenPort: 2222,
          destinationIp: '10.0.1.6',
          destinationPort: 22,
          allowedSourceCidrs: ['203.0.113.0/24'],
          masquerade: false,
        },
        { listenPortRange: '10000-10100', protocol: 'udp', destinationIp: '10.0.1.7' },
      ],
    },
  },
};
