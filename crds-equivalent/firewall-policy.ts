import schema from '../schemas/firewall-policy.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const firewallPolicyKind: KindDefinition = {
  kind: 'FirewallPolicy',
  plural: 'firewallpolicies',
  aliases: ['firewallpolicy', 'fw'],
  scope: 'node',
  schema,
  printerColumns: [
    { name: 'ORDER', path: 'spec.order' },
    { name: 'DEFAULT', path: 'spec.defaultAction' },
    { name: 'INPUT-DEFAULT', path: 'spec.input.defaultAction' },
  ],
  example: {
    kind: 'FirewallPolicy',
    name: 'web',
    spec: {
      order: 100,
      defaultAction: 'deny',
      rules: [
        { action: 'allow', destinationCidrs: ['10.0.1.0/24'], protocol: 'tcp', destinationPorts: [443, '8000-8100'] },
        { action: 'reject', sourceCidrs: ['10.0.2.0/24'], comment: 'quarantined subnet' },
        { action: 'allow', protocol: 'icmp' },
      ],
      input: {
        defaultAction: 'deny',
        rules: [{ action: 'allow', sourceCidrs: ['10.0.0.0/16'], protocol: 'tcp', destinationPorts: [22] }],
      },
    },
  },
};
