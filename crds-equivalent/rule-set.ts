import schema from '../schemas/rule-set.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

/** Read by IntrusionPrevention (spec.ruleSets); it has no controller of its own. */
export const ruleSetKind: KindDefinition = {
  kind: 'RuleSet',
  plural: 'rulesets',
  aliases: ['ruleset', 'rs'],
  scope: 'node',
  schema,
  printerColumns: [{ name: 'DESCRIPTION', path: 'spec.description' }],
  example: {
    kind: 'RuleSet',
    name: 'web-rules',
    spec: {
      description: 'web application attacks',
      rules: [
        'drop http any any -> $HOME_NET any (msg:"path traversal"; http.uri; content:"../"; sid:1000101; rev:1;)',
      ],
    },
  },
};
