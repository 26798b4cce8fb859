import schema from '../schemas/load-balancer.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const loadBalancerKind: KindDefinition = {
  kind: 'LoadBalancer',
  plural: 'loadbalancers',
  aliases: ['loadbalancer', 'lb'],
  scope: 'node',
  schema,
  printerColumns: [
    { name: 'PROTOCOL', path: 'spec.listener.protocol' },
    { name: 'PORT', path: 'spec.listener.port' },
    { name: 'SCHEDULER', path: 'spec.scheduler' },
  ],
  example: {
    kind: 'LoadBalancer',
    name: 'web',
    spec: {
      listener: { protocol: 'TCP', port: 80 },
      targets: {
        targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
      },
      scheduler: 'wrr',
      drainTimeoutSeconds: 300,
    },
  },
};
