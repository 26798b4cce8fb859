// A certificate authority made in memory (ECDSA P-256), issuing TLS server certificates: the fake ACM's issuer, and
// what unit tests use to make certificates quickly.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { issueCertificate, type Issuer } from './x509.js';

export type LeafKeyAlgorithm = 'RSA_2048' | 'EC_prime256v1';

export interface LeafRequest {
  commonName: string;
  dnsNames: readonly string[];
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm?: LeafKeyAlgorithm;
  serial?: Buffer;
}

export interface IssuedLeaf {
  certificatePem: string;
  privateKey: KeyObject;
}

export interface TestCa {
  /** The CA's self-signed certificate: what clients trust, and the chain of every leaf. */
  certificatePem: string;
  issue(request: LeafRequest): IssuedLeaf;
}

const DAY_MS = 86_400_000;

export function generateLeafKey(algorithm: LeafKeyAlgorithm = 'EC_prime256v1'): KeyObject {
  return algorithm === 'RSA_2048'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** A CA valid from a day before `now` for ten years. */
export function createTestCa(commonName = 'csgw fake ACM test CA', now = new Date()): TestCa {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const issuer: Issuer = { cn: commonName, key: privateKey, publicKey };
  const certificatePem = issueCertificate(
    {
      subjectCn: commonName,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 3650 * DAY_MS),
      publicKey,
      isCa: true,
    },
    issuer,
  );
  return {
    certificatePem,
    issue: (request) => {
      const key = generateLeafKey(request.keyAlgorithm);
      const spec = {
        subjectCn: request.commonName,
        dnsNames: request.dnsNames,
        notBefore: request.notBefore,
        notAfter: request.notAfter,
        publicKey: createPublicKey(key),
        ...(request.serial ? { serial: request.serial } : {}),
      };
      return { certificatePem: issueCertificate(spec, issuer), privateKey: key };
    },
  };
}
