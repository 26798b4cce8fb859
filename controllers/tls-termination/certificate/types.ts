import type { CertificateMaterial, CertificateSummary } from '../../../runtime/aws/api-ports.js';

/** A certificate and key that were checked: parseable, the key matches, within its validity. */
export interface LoadedCertificate {
  material: CertificateMaterial;
  /** SHA-256 of the leaf's DER, hex: what changed when a renewal landed. */
  fingerprint: string;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** The leaf's DNS subject alternative names. */
  dnsNames: string[];
}

export type CertificateProblem = {
  reason: 'CertificateInvalid' | 'KeyMismatch' | 'CertificateExpired' | 'CertificateNotYetValid';
  message: string;
};

export interface AcmCertificateState {
  /** The last good export; kept serving when a later describe or export fails. */
  certificate?: LoadedCertificate;
  summary?: CertificateSummary;
  /** Last successful describe (ISO). */
  checkedAt?: string;
  error?: { reason: string; message: string };
}

/**
 * Follows one ACM certificate per TlsTermination resource: describes it at most every renewalCheckSeconds, and
 * exports it again when ACM reports a new serial or validity (a renewal). Never throws.
 */
export interface AcmCertificateTracker {
  current(
    resource: string,
    certificateArn: string,
    renewalCheckSeconds: number,
    signal: AbortSignal,
  ): Promise<AcmCertificateState>;
  forget(resource: string): void;
}
