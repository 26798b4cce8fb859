// A stand-in for H4's inspectCertificate (certificate/inspect.ts) in tests: the same contract, from node:crypto.
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import type { InspectCertificate } from '../observe.js';

export const inspectForTests: InspectCertificate = (material, now) => {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.certificatePem);
  } catch (err) {
    return { reason: 'CertificateInvalid', message: (err as Error).message };
  }
  if (!keyMatches(cert, material.privateKeyPem)) return { reason: 'KeyMismatch', message: 'the private key does not match the certificate' };
  if (new Date(cert.validTo) < now) return { reason: 'CertificateExpired', message: `expired ${cert.validTo}` };
  if (new Date(cert.validFrom) > now) return { reason: 'CertificateNotYetValid', message: `from ${cert.validFrom}` };
  return {
    material,
    fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    dnsNames: [],
  };
};

function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
