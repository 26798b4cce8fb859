// Test certificates from the openssl CLI (argument arrays, never a shell): a CA and leaves it signs.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CertificateMaterial } from '../../../runtime/aws/api-ports.js';

export interface TestCa {
  dir: string;
  certificatePem: string;
  key: string;
  cert: string;
}

export async function createTestCa(commonName = 'csgw test CA'): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'csgw-tls-ca-'));
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.pem');
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
    .concat(['-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${commonName}`]));
  return { dir, certificatePem: await readFile(cert, 'utf8'), key, cert };
}

let serial = 0;

/** A leaf for `commonName` signed by the CA, with its key. */
export async function issueLeaf(ca: TestCa, commonName: string): Promise<CertificateMaterial> {
  serial += 1;
  const base = join(ca.dir, `leaf-${serial}`);
  await execa('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
    .concat(['-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]));
  await execa('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', ca.cert, '-CAkey', ca.key]
    .concat(['-set_serial', String(1000 + serial), '-days', '1', '-out', `${base}.pem`]));
  return {
    certificatePem: await readFile(`${base}.pem`, 'utf8'),
    chainPem: ca.certificatePem,
    privateKeyPem: await readFile(`${base}.key`, 'utf8'),
  };
}
