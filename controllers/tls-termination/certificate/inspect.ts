// Checks an exported certificate before anything serves it: the leaf and chain parse, the chain issued the leaf, the
// key is the leaf's, and the leaf is within its validity. Messages name certificates, never key material.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { CertificateMaterial } from '../../../runtime/aws/api-ports.js';
import type { CertificateProblem, LoadedCertificate } from './types.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

const problem = (reason: CertificateProblem['reason'], message: string): CertificateProblem => ({ reason, message });

/** Every PEM certificate block of `text`, or undefined when anything else but whitespace is around them. */
function pemBlocks(text: string): string[] | undefined {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  return text.replace(PEM_CERTIFICATE, '').trim() === '' ? blocks : undefined;
}

function parse(block: string): X509Certificate | undefined {
  try {
    return new X509Certificate(block);
  } catch {
    return undefined;
  }
}

/** Without a passphrase: an encrypted key fails here too, as it must (the adapter decrypts in memory). */
function parseKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return undefined;
  }
}

/** X509Certificate's multi-line "CN=a\nO=b" as one line. */
const oneLine = (name: string): string => name.split('\n').join(', ');

/** The DNS entries of node's subjectAltName ("DNS:a, IP Address:1.2.3.4, DNS:\"quoted, name\""). */
export function dnsNamesOf(subjectAltName: string | undefined): string[] {
  const names: string[] = [];
  for (const match of (subjectAltName ?? '').matchAll(/(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const value = match[1] ?? '';
    names.push(value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return names;
}

function parseLeaf(material: CertificateMaterial): X509Certificate | CertificateProblem {
  const blocks = pemBlocks(material.certificatePem);
  if (blocks?.length !== 1) return problem('CertificateInvalid', 'the certificate is not one PEM X.509 certificate');
  return parse(blocks[0] ?? '') ?? problem('CertificateInvalid', 'the certificate does not parse as X.509');
}

/** The chain parses, and one of its certificates signed the leaf (an empty chain: the leaf stands alone). */
function checkChain(leaf: X509Certificate, chainPem: string): CertificateProblem | undefined {
  const blocks = pemBlocks(chainPem);
  if (blocks === undefined) return problem('CertificateInvalid', 'the chain holds something besides PEM certificates');
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    const certificate = parse(block);
    if (!certificate) return problem('CertificateInvalid', `chain certificate ${i + 1} does not parse as X.509`);
    chain.push(certificate);
  }
  if (chain.length > 0 && !chain.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) {
    return problem('CertificateInvalid', `no certificate of the chain issued ${oneLine(leaf.subject)}`);
  }
  return undefined;
}

function checkValidity(leaf: X509Certificate, now: Date): CertificateProblem | undefined {
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  const subject = oneLine(leaf.subject);
  if (now < notBefore) {
    return problem('CertificateNotYetValid', `${subject} is valid from ${notBefore.toISOString()}`);
  }
  if (now > notAfter) return problem('CertificateExpired', `${subject} expired at ${notAfter.toISOString()}`);
  return undefined;
}

/** The certificate ready to serve, or the first thing wrong with it. */
export function inspectCertificate(material: CertificateMaterial, now: Date): LoadedCertificate | CertificateProblem {
  const leaf = parseLeaf(material);
  if (!(leaf instanceof X509Certificate)) return leaf;
  const chainProblem = checkChain(leaf, material.chainPem);
  if (chainProblem) return chainProblem;
  const key = parseKey(material.privateKeyPem);
  if (!key) return problem('CertificateInvalid', 'the private key is not an unencrypted PEM private key');
  if (!leaf.checkPrivateKey(key)) {
    return problem('KeyMismatch', `the private key does not belong to ${oneLine(leaf.subject)}`);
  }
  const validityProblem = checkValidity(leaf, now);
  if (validityProblem) return validityProblem;
  return {
    material,
    fingerprint: createHash('sha256').update(leaf.raw).digest('hex'),
    subject: oneLine(leaf.subject),
    issuer: oneLine(leaf.issuer),
    serial: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    dnsNames: dnsNamesOf(leaf.subjectAltName),
  };
}

export const isCertificateProblem = (result: LoadedCertificate | CertificateProblem): result is CertificateProblem =>
  'reason' in result;
