import schema from '../schemas/tls-termination.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const tlsTerminationKind: KindDefinition = {
  kind: 'TlsTermination',
  plural: 'tlsterminations',
  aliases: ['tlstermination', 'tls'],
  scope: 'node',
  schema,
  printerColumns: [
    { name: 'HTTPS', path: 'spec.listen.httpsPort' },
    { name: 'ACM', path: 'spec.certificate.acmCertificateArn' },
    { name: 'SECRET', path: 'spec.certificate.secretName' },
  ],
  example: {
    kind: 'TlsTermination',
    name: 'web',
    spec: {
      certificate: {
        acmCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      },
      backends: {
        default: { servers: [{ address: '10.0.1.10', port: 8080 }] },
        routes: [{ hosts: ['api.example.com'], backend: { servers: [{ address: '10.0.1.20', port: 8080 }] } }],
      },
    },
  },
};
