import schema from '../schemas/intrusion-prevention.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const intrusionPreventionKind: KindDefinition = {
  kind: 'IntrusionPrevention',
  plural: 'intrusionpreventions',
  aliases: ['intrusionprevention', 'ips', 'suricata'],
  scope: 'node',
  singletonName: 'default',
  schema,
  printerColumns: [
    { name: 'ENABLE', path: 'spec.enable' },
    { name: 'MODE', path: 'spec.mode' },
    { name: 'FAILURE', path: 'spec.failureMode' },
    { name: 'FILTERS', path: 'spec.domainFilters' },
  ],
  example: {
    kind: 'IntrusionPrevention',
    name: 'default',
    spec: {
      enable: true,
      mode: 'prevent',
      failureMode: 'failOpen',
      inspect: [{ sources: ['10.0.0.0/16'] }],
      rules: [
        'drop http any any -> any any (msg:"admin panel from outside"; http.uri; content:"/admin"; startswith; sid:1000001; rev:1;)',
      ],
      ruleSets: ['web-rules'],
      packagedRules: ['http-events.rules', 'tls-events.rules'],
      thresholds: [{ sid: 1000001, type: 'limit', track: 'by_src', count: 1, seconds: 60 }],
      domainFilters: ['corp-deny'],
    },
  },
};
