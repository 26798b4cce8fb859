import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { CertificateMaterial } from '../../../runtime/aws/api-ports.js';
import { createTestCa, generateLeafKey, type LeafRequest } from '../../../lab/fake-acm/test-ca.js';
import { dnsNamesOf, inspectCertificate, isCertificateProblem } from './inspect.js';
import type { CertificateProblem, LoadedCertificate } from './types.js';

const now = new Date('2026-03-01T12:00:00Z');
const ca = createTestCa('Inspect Test CA', now);
const otherCa = createTestCa('Other CA', now);

const request: LeafRequest = {
  commonName: 'shop.example.test',
  dnsNames: ['shop.example.test', '*.shop.example.test'],
  notBefore: new Date('2026-02-01T00:00:00Z'),
  notAfter: new Date('2026-05-01T00:00:00Z'),
};

const keyPem = (key: ReturnType<typeof generateLeafKey>): string =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

function material(overrides: Partial<LeafRequest> = {}, issuer = ca): CertificateMaterial {
  const leaf = issuer.issue({ ...request, ...overrides });
  return {
    certificatePem: leaf.certificatePem,
    chainPem: issuer.certificatePem,
    privateKeyPem: keyPem(leaf.privateKey),
  };
}

function loaded(result: LoadedCertificate | CertificateProblem): LoadedCertificate {
  if (isCertificateProblem(result)) throw new Error(`expected a certificate, got ${result.reason}: ${result.message}`);
  return result;
}

function failed(result: LoadedCertificate | CertificateProblem): CertificateProblem {
  if (!isCertificateProblem(result)) throw new Error(`expected a problem, got ${result.subject}`);
  return result;
}

const derOf = (pem: string): Buffer => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');

describe('inspectCertificate', () => {
  it('loads a good certificate: fingerprint of the DER, names, serial, issuer and validity', () => {
    const m = material({ serial: Buffer.from('0a1b2c', 'hex') });
    const cert = loaded(inspectCertificate(m, now));
    expect(cert).toEqual({
      material: m,
      fingerprint: createHash('sha256').update(derOf(m.certificatePem)).digest('hex'),
      subject: 'CN=shop.example.test',
      issuer: 'CN=Inspect Test CA',
      serial: '0A1B2C',
      notBefore: '2026-02-01T00:00:00.000Z',
      notAfter: '2026-05-01T00:00:00.000Z',
      dnsNames: ['shop.example.test', '*.shop.example.test'],
    });
    expect(cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a renewed certificate another fingerprint', () => {
    const first = loaded(inspectCertificate(material(), now));
    const renewed = loaded(inspectCertificate(material(), now));
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
  });

  it('loads an RSA leaf, and one without a chain', () => {
    expect(loaded(inspectCertificate(material({ keyAlgorithm: 'RSA_2048' }), now)).subject).toBe(
      'CN=shop.example.test',
    );
    expect(loaded(inspectCertificate({ ...material(), chainPem: '' }, now)).issuer).toBe('CN=Inspect Test CA');
  });

  it('accepts the first and last second of the validity window', () => {
    expect(isCertificateProblem(inspectCertificate(material(), request.notBefore))).toBe(false);
    expect(isCertificateProblem(inspectCertificate(material(), request.notAfter))).toBe(false);
  });

  it('rejects an expired certificate and one not yet valid, saying when', () => {
    const expired = failed(inspectCertificate(material(), new Date('2026-05-01T00:00:01Z')));
    expect(expired).toEqual({
      reason: 'CertificateExpired',
      message: 'CN=shop.example.test expired at 2026-05-01T00:00:00.000Z',
    });
    const early = failed(inspectCertificate(material(), new Date('2026-01-31T23:59:59Z')));
    expect(early.reason).toBe('CertificateNotYetValid');
    expect(early.message).toContain('2026-02-01T00:00:00.000Z');
  });

  it.each([
    ['garbage', 'not a certificate at all'],
    ['an empty string', ''],
    ['a PEM block that is not X.509', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
  ])('rejects %s as the certificate', (_what, certificatePem) => {
    expect(failed(inspectCertificate({ ...material(), certificatePem }, now)).reason).toBe('CertificateInvalid');
  });

  it('rejects two certificates where one leaf belongs, and text around the PEM block', () => {
    const m = material();
    expect(failed(inspectCertificate({ ...m, certificatePem: m.certificatePem + m.chainPem }, now)).message).toBe(
      'the certificate is not one PEM X.509 certificate',
    );
    const wrapped = `subject=evil\n${m.certificatePem}`;
    expect(failed(inspectCertificate({ ...m, certificatePem: wrapped }, now)).reason).toBe('CertificateInvalid');
  });

  it('rejects a chain that does not parse, holds other text, or did not issue the leaf', () => {
    const m = material();
    const junk = `${m.chainPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    expect(failed(inspectCertificate({ ...m, chainPem: junk }, now)).message).toBe(
      'chain certificate 2 does not parse as X.509',
    );
    expect(failed(inspectCertificate({ ...m, chainPem: `${m.chainPem}junk` }, now)).reason).toBe('CertificateInvalid');
    expect(failed(inspectCertificate({ ...m, chainPem: otherCa.certificatePem }, now)).message).toBe(
      'no certificate of the chain issued CN=shop.example.test',
    );
  });

  it('accepts a chain in any order as long as one certificate issued the leaf', () => {
    const m = material();
    const chainPem = otherCa.certificatePem + m.chainPem;
    expect(isCertificateProblem(inspectCertificate({ ...m, chainPem }, now))).toBe(false);
  });

  it('rejects the key of another certificate without quoting either key', () => {
    const m = material();
    for (const other of [generateLeafKey('EC_prime256v1'), generateLeafKey('RSA_2048')]) {
      const privateKeyPem = keyPem(other);
      const result = failed(inspectCertificate({ ...m, privateKeyPem }, now));
      expect(result).toEqual({
        reason: 'KeyMismatch',
        message: 'the private key does not belong to CN=shop.example.test',
      });
    }
  });

  it.each([
    ['garbage', 'SECRET-MARKER not a key'],
    ['a truncated key', (k: string) => k.slice(0, 120)],
    ['an encrypted key', 'encrypted'],
  ])('rejects %s as the private key, without quoting it', (_what, kind) => {
    const m = material();
    const key = generateLeafKey();
    const privateKeyPem =
      kind === 'encrypted'
        ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString()
        : typeof kind === 'function'
          ? kind(m.privateKeyPem)
          : kind;
    const result = failed(inspectCertificate({ ...m, privateKeyPem }, now));
    expect(result).toEqual({
      reason: 'CertificateInvalid',
      message: 'the private key is not an unencrypted PEM private key',
    });
  });
});

describe('dnsNamesOf', () => {
  it('keeps the DNS entries only, unquoting the ones node quotes', () => {
    expect(dnsNamesOf('DNS:a.test, IP Address:192.0.2.1, DNS:"b,c.test", email:x@y.test, DNS:*.d.test')).toEqual([
      'a.test',
      'b,c.test',
      '*.d.test',
    ]);
    expect(dnsNamesOf(undefined)).toEqual([]);
  });
});
