// X.509 v3 certificates made in-process (node:crypto signs, der.ts encodes), so unit tests and the fake ACM need
// neither openssl nor a new dependency. Enough for TLS: names, validity, SAN, CA and server-auth extensions.
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  booleanTrue,
  explicit,
  nullValue,
  objectId,
  octetString,
  pem,
  sequence,
  set,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.js';

export interface CertificateSpec {
  subjectCn: string;
  /** DNS subject alternative names (a leaf's host names). */
  dnsNames?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** The key the certificate certifies. */
  publicKey: KeyObject;
  /** A CA certificate (basicConstraints cA, keyCertSign) rather than a TLS server leaf. */
  isCa?: boolean;
  /** Big-endian magnitude; random 16 bytes when absent. */
  serial?: Buffer;
}

export interface Issuer {
  cn: string;
  /** RSA or EC private key of the issuer; signs with SHA-256. */
  key: KeyObject;
  /** The issuer's public key (its SPKI), for the authority key identifier. */
  publicKey: KeyObject;
}

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(objectId(OID.ecdsaWithSha256));
  if (key.asymmetricKeyType === 'rsa') return sequence(objectId(OID.sha256WithRsa), nullValue());
  throw new Error(`x509: cannot sign with a ${String(key.asymmetricKeyType)} key`);
}

const name = (cn: string): Buffer => sequence(set(sequence(objectId(OID.commonName), utf8String(cn))));

const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
  sequence(objectId(oid), ...(critical ? [booleanTrue()] : []), octetString(value));

/** The RFC 5280 method 1 key identifier, over the whole SPKI (any stable 20 bytes serve). */
const keyId = (publicKey: KeyObject): Buffer =>
  createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();

function extensions(spec: CertificateSpec, issuer: Issuer): Buffer {
  const list = [
    extension(OID.subjectKeyId, false, octetString(keyId(spec.publicKey))),
    extension(OID.authorityKeyId, false, sequence(tlv(0x80, keyId(issuer.publicKey)))),
  ];
  if (spec.isCa) {
    list.push(extension(OID.basicConstraints, true, sequence(booleanTrue())));
    // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000011x with the last bit unused.
    list.push(extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)));
  } else {
    list.push(extension(OID.basicConstraints, true, sequence()));
    // digitalSignature (bit 0) and keyEncipherment (bit 2): 0b101xxxxx.
    list.push(extension(OID.keyUsage, true, bitString(Buffer.from([0xa0]), 5)));
    list.push(extension(OID.extKeyUsage, false, sequence(objectId(OID.serverAuth))));
  }
  const dnsNames = spec.dnsNames ?? [];
  if (dnsNames.length > 0) {
    const generalNames = dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii')));
    list.push(extension(OID.subjectAltName, false, sequence(...generalNames)));
  }
  return explicit(3, sequence(...list));
}

/** A random positive 128-bit serial, as public CAs use. */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  return serial;
}

/** Signs the certificate described by spec with the issuer's key; a CA certificate may issue itself. */
export function issueCertificate(spec: CertificateSpec, issuer: Issuer): string {
  const algorithm = signatureAlgorithm(issuer.key);
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(spec.serial ?? randomSerial()),
    algorithm,
    name(issuer.cn),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subjectCn),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    extensions(spec, issuer),
  );
  const signature = sign('sha256', tbs, issuer.key);
  return pem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
}
