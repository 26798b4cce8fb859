import { createPrivateKey, randomBytes } from 'node:crypto';
import {
  ACMClient,
  DescribeCertificateCommand,
  ExportCertificateCommand,
  type ACMClientConfig,
  type CertificateDetail,
} from '@aws-sdk/client-acm';
import { ControllerError } from '../../runtime/controller.js';
import type { AcmPort, CertificateMaterial, CertificateSummary } from '../../runtime/aws/api-ports.js';
import { toAcmControllerError, type AcmAction } from './acm-errors.js';
import { DEFAULT_REMOTE_TIMEOUTS, requestHandlerOptions, type RemoteTimeouts } from './client-config.js';

export interface AcmClientOptions {
  region: string;
  /** A provider (the operational role for the ARN's account) or static credentials; the default chain when absent. */
  credentials?: ACMClientConfig['credentials'];
  /** The caller passes AWS_ENDPOINT_URL_ACM here (labs, the fake ACM); configuration is read once, elsewhere. */
  endpoint?: string;
  /** Default: DEFAULT_REMOTE_TIMEOUTS. */
  timeouts?: RemoteTimeouts;
}

/** Standard retries: ACM is read a few times an hour per certificate, so throttling is unlikely. */
export function createAcmClient(opts: AcmClientOptions): ACMClient {
  return new ACMClient({
    region: opts.region,
    maxAttempts: 3,
    ...requestHandlerOptions(opts.timeouts ?? DEFAULT_REMOTE_TIMEOUTS),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
}

const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):certificate\/[A-Za-z0-9-]{1,128}$/;

/** The region and account an ACM certificate ARN names; anything else is refused before a call is made. */
export function parseCertificateArn(arn: string): { region: string; accountId: string } {
  const match = CERTIFICATE_ARN.exec(arn);
  if (!match?.[1] || !match[2]) {
    throw new ControllerError(
      'InvalidCertificateArn',
      'not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
      true,
    );
  }
  return { region: match[1], accountId: match[2] };
}

/**
 * A fresh passphrase per export. ACM accepts any ASCII but #, $ and %; hex keeps well inside that and its length
 * limits, and 32 random bytes make it unguessable for the key's few milliseconds in transit.
 */
const newPassphrase = (): string => randomBytes(32).toString('hex');

/** Drops undefined optional fields so summaries compare equal to the fakes' plain objects. */
function compact<T extends object>(view: T): T {
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) as T;
}

function summaryOf(arn: string, c: CertificateDetail): CertificateSummary {
  return compact({
    arn,
    status: c.Status ?? 'UNKNOWN',
    type: c.Type ?? 'UNKNOWN',
    // Private CA certificates are always exportable; public ones only when requested with Export ENABLED.
    exportable: c.Options?.Export === 'ENABLED' || c.Type === 'PRIVATE',
    domainName: c.DomainName ?? '',
    serial: c.Serial,
    notBefore: c.NotBefore?.toISOString(),
    notAfter: c.NotAfter?.toISOString(),
    renewalStatus: c.RenewalSummary?.RenewalStatus,
  });
}

/** The key as unencrypted PKCS#8 PEM, or a ControllerError that says what was wrong but never quotes the key. */
function decryptKey(arn: string, encryptedPem: string, passphrase: string): string {
  try {
    const key = createPrivateKey({ key: encryptedPem, format: 'pem', passphrase });
    return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    throw new ControllerError(
      'CertificateInvalid',
      `ACM ExportCertificate ${arn} returned a private key that does not decrypt with the passphrase sent`,
    );
  }
}

export type AcmClientFor = (region: string, accountId: string) => ACMClient;

/** The AcmPort over the real SDK: each call picks its client by the ARN's region and account. */
export function createAcmAdapter(clientFor: AcmClientFor): AcmPort {
  async function call<T>(action: AcmAction, arn: string, run: (client: ACMClient) => Promise<T>): Promise<T> {
    const { region, accountId } = parseCertificateArn(arn);
    try {
      return await run(clientFor(region, accountId));
    } catch (err) {
      throw toAcmControllerError(err, action, arn);
    }
  }

  return {
    describeCertificate: async (arn, signal) => {
      const out = await call('DescribeCertificate', arn, (client) =>
        client.send(new DescribeCertificateCommand({ CertificateArn: arn }), { abortSignal: signal }),
      );
      if (!out.Certificate)
        throw new ControllerError('AwsApiError', `ACM DescribeCertificate ${arn} returned no certificate`);
      return summaryOf(arn, out.Certificate);
    },
    exportCertificate: async (arn, signal): Promise<CertificateMaterial> => {
      const passphrase = newPassphrase();
      const input = { CertificateArn: arn, Passphrase: Buffer.from(passphrase, 'ascii') };
      const out = await call('ExportCertificate', arn, (client) =>
        client.send(new ExportCertificateCommand(input), { abortSignal: signal }),
      );
      if (!out.Certificate || !out.PrivateKey) {
        throw new ControllerError('AwsApiError', `ACM ExportCertificate ${arn} returned no certificate or key`);
      }
      return {
        certificatePem: out.Certificate,
        chainPem: out.CertificateChain ?? '',
        privateKeyPem: decryptKey(arn, out.PrivateKey, passphrase),
      };
    },
  };
}
