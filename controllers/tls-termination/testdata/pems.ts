// Two self-signed test certificates (P-256, valid for a century) for unit tests: plan and status need real leaves.
// Test material only: these keys protect nothing.
import { readFileSync } from 'node:fs';
import type { CertificateMaterial } from '../../../runtime/aws/api-ports.js';

const read = (name: string): string => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

export const TEST_CERT_A: CertificateMaterial = {
  certificatePem: read('a.crt'),
  chainPem: '',
  privateKeyPem: read('a.key'),
};

export const TEST_CERT_B: CertificateMaterial = {
  certificatePem: read('b.crt'),
  chainPem: '',
  privateKeyPem: read('b.key'),
};
