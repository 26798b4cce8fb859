import schema from '../schemas/secret.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

/** Values other kinds refer to by name; stored as SecureStrings and never printed. No controller of its own. */
export const secretKind: KindDefinition = {
  kind: 'Secret',
  plural: 'secrets',
  aliases: ['secret'],
  scope: 'node',
  secret: true,
  schema,
  printerColumns: [],
  example: {
    kind: 'Secret',
    name: 'proxy-users',
    // openssl passwd -apr1 'correct horse battery staple'
    spec: { data: { htpasswd: 'alice:$apr1$Bb1Jw5qQ$Wu7maM9PUeuL60avCcpNy0\n' } },
  },
};
