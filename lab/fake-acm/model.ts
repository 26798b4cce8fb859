// The fake ACM's certificates: issued from an in-memory test CA, renewed in place (same ARN, new serial and
// validity, like an ACM renewal), and breakable on purpose so tests can see a bad export rejected.
import { randomUUID, type KeyObject } from 'node:crypto';
import { pem } from './der.js';
import { generateLeafKey, type LeafKeyAlgorithm, type TestCa } from './test-ca.js';
import { randomSerial } from './x509.js';

export type CorruptMode = 'key-mismatch' | 'garbage' | 'none';

export interface IssueRequest {
  domainName: string;
  /** More DNS names besides domainName (ACM's SubjectAlternativeNames always lists the domain too). */
  sans?: readonly string[];
  /** ACM's Options.Export: ENABLED when true (the default here), DISABLED otherwise. */
  exportable?: boolean;
  keyAlgorithm?: LeafKeyAlgorithm;
}

interface StoredCertificate {
  arn: string;
  domainName: string;
  sans: string[];
  exportable: boolean;
  keyAlgorithm: LeafKeyAlgorithm;
  serial: Buffer;
  createdAt: Date;
  issuedAt: Date;
  notBefore: Date;
  notAfter: Date;
  certificatePem: string;
  privateKey: KeyObject;
  renewals: number;
  corrupt: CorruptMode;
}

export interface AcmModelOptions {
  region: string;
  accountId: string;
  /** Validity of each issued certificate (ACM public certificates: 395 days, later fewer). */
  validityDays: number;
  clock: () => Date;
}

/** An error answered in ACM's JSON error shape (__type and message). */
export class AcmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;
/** Backdating, as CAs do, so a peer whose clock is a little behind does not see a certificate from the future. */
const BACKDATE_MS = 3_600_000;
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/** ACM shows serials as colon-separated lowercase hex bytes. */
const serialText = (serial: Buffer): string => [...serial].map((b) => b.toString(16).padStart(2, '0')).join(':');

function checkNames(request: IssueRequest): string[] {
  const names = [request.domainName, ...(request.sans ?? []).filter((n) => n !== request.domainName)];
  for (const name of names) {
    if (typeof name !== 'string' || name.length > 253 || !DNS_NAME.test(name)) {
      throw new AcmError('ValidationException', `not a domain name: ${JSON.stringify(name)}`);
    }
  }
  return names;
}

export class AcmModel {
  private readonly certificates = new Map<string, StoredCertificate>();

  constructor(
    readonly ca: TestCa,
    private readonly opts: AcmModelOptions,
  ) {}

  /** Issues at once (a real ACM would be PENDING_VALIDATION first) and returns the ARN. */
  issue(request: IssueRequest): string {
    const sans = checkNames(request);
    const arn = `arn:aws:acm:${this.opts.region}:${this.opts.accountId}:certificate/${randomUUID()}`;
    const now = this.opts.clock();
    const cert = this.sign({
      arn,
      domainName: request.domainName,
      sans,
      exportable: request.exportable ?? true,
      keyAlgorithm: request.keyAlgorithm ?? 'EC_prime256v1',
      createdAt: now,
      renewals: 0,
      corrupt: 'none',
    });
    this.certificates.set(arn, cert);
    return arn;
  }

  /** A new key, serial and validity under the same ARN. */
  renew(arn: string): void {
    const cert = this.get(arn);
    this.certificates.set(arn, this.sign({ ...cert, renewals: cert.renewals + 1 }));
  }

  /** From now on exports are broken this way ('none' mends them). */
  corrupt(arn: string, mode: CorruptMode): void {
    this.get(arn).corrupt = mode;
  }

  describe(arn: string): Record<string, unknown> {
    const c = this.get(arn);
    const seconds = (d: Date): number => d.getTime() / 1000;
    return {
      CertificateArn: c.arn,
      DomainName: c.domainName,
      SubjectAlternativeNames: c.sans,
      Serial: serialText(c.serial),
      Subject: `CN=${c.domainName}`,
      Issuer: this.ca.commonName,
      CreatedAt: seconds(c.createdAt),
      IssuedAt: seconds(c.issuedAt),
      NotBefore: seconds(c.notBefore),
      NotAfter: seconds(c.notAfter),
      Status: 'ISSUED',
      Type: 'AMAZON_ISSUED',
      KeyAlgorithm: c.keyAlgorithm,
      InUseBy: [],
      Options: { CertificateTransparencyLoggingPreference: 'ENABLED', Export: c.exportable ? 'ENABLED' : 'DISABLED' },
      ...(c.renewals > 0 ? { RenewalSummary: { RenewalStatus: 'SUCCESS', UpdatedAt: seconds(c.issuedAt) } } : {}),
    };
  }

  /** The certificate, the CA as its chain, and the key encrypted with the passphrase as PKCS#8, as ACM answers. */
  export(arn: string, passphrase: string): { Certificate: string; CertificateChain: string; PrivateKey: string } {
    const c = this.get(arn);
    if (!c.exportable) {
      throw new AcmError('ValidationException', `Certificate ARN: ${arn} is not a private certificate`);
    }
    const key = c.corrupt === 'key-mismatch' ? generateLeafKey(c.keyAlgorithm) : c.privateKey;
    return {
      Certificate: c.corrupt === 'garbage' ? pem('CERTIFICATE', Buffer.from('not a certificate')) : c.certificatePem,
      CertificateChain: this.ca.certificatePem,
      PrivateKey: key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString(),
    };
  }

  /** Everything but the keys, for GET /_state. */
  snapshot(): Record<string, unknown>[] {
    return [...this.certificates.values()].map((c) => ({
      ...this.describe(c.arn),
      CertificatePem: c.certificatePem,
      Corrupt: c.corrupt,
    }));
  }

  private get(arn: string): StoredCertificate {
    const cert = this.certificates.get(arn);
    if (!cert) throw new AcmError('ResourceNotFoundException', `Could not find certificate with arn ${arn}`);
    return cert;
  }

  private sign(
    base: Omit<StoredCertificate, 'serial' | 'issuedAt' | 'notBefore' | 'notAfter' | 'certificatePem' | 'privateKey'>,
  ): StoredCertificate {
    // X.509 times are whole seconds; DescribeCertificate shows the same ones.
    const issuedAt = new Date(Math.floor(this.opts.clock().getTime() / 1000) * 1000);
    const notBefore = new Date(issuedAt.getTime() - BACKDATE_MS);
    const notAfter = new Date(issuedAt.getTime() + this.opts.validityDays * DAY_MS);
    const serial = randomSerial();
    const leaf = this.ca.issue({
      commonName: base.domainName,
      dnsNames: base.sans,
      notBefore,
      notAfter,
      keyAlgorithm: base.keyAlgorithm,
      serial,
    });
    const certificatePem = leaf.certificatePem;
    return { ...base, serial, issuedAt, notBefore, notAfter, certificatePem, privateKey: leaf.privateKey };
  }
}
