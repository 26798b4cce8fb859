import schema from '../schemas/domain-filter.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

/** Read by the controllers that enforce it (ForwardProxy.domainFilters); it has no controller of its own. */
export const domainFilterKind: KindDefinition = {
  kind: 'DomainFilter',
  plural: 'domainfilters',
  aliases: ['domainfilter', 'df'],
  scope: 'node',
  schema,
  printerColumns: [{ name: 'MODE', path: 'spec.mode' }],
  example: {
    kind: 'DomainFilter',
    name: 'corp-deny',
    spec: { mode: 'deny', domains: ['.gambling.example', 'ads.example.net', '*.tracker.example'] },
  },
};
