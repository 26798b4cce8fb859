import { ControllerError } from '../../runtime/controller.js';

interface Mapping {
  reason: string;
  inert: boolean;
  hint: string;
}

const PERMISSION: Mapping = {
  reason: 'MissingPermission',
  inert: true,
  hint: 'the operational role lacks this ACM permission',
};
const THROTTLED: Mapping = { reason: 'Throttled', inert: false, hint: 'AWS throttled the call' };
const API_ERROR: Mapping = { reason: 'AwsApiError', inert: false, hint: 'AWS rejected the call' };
const NOT_EXPORTABLE: Mapping = {
  reason: 'CertificateNotExportable',
  inert: true,
  hint: 'ACM refuses to export this certificate (public certificates must be issued as exportable)',
};

/** Exact ACM error codes (err.name) and the reason each becomes, for every action. */
const BY_CODE: Readonly<Record<string, Mapping>> = {
  ResourceNotFoundException: { reason: 'CertificateNotFound', inert: true, hint: 'no such certificate' },
  InvalidArnException: { reason: 'CertificateNotFound', inert: true, hint: 'ACM does not accept the ARN' },
  // A certificate still being issued or validated: it will be exportable once ISSUED.
  RequestInProgressException: {
    reason: 'CertificateNotIssued',
    inert: false,
    hint: 'the certificate is not issued yet',
  },
  AbortError: { ...API_ERROR, hint: 'the call was cancelled' },
};

/** ExportCertificate answers a certificate it will not export with a validation error. */
const EXPORT_CODES: Readonly<Record<string, Mapping>> = {
  ValidationException: NOT_EXPORTABLE,
  InvalidParameterException: NOT_EXPORTABLE,
};

const BY_PREFIX: readonly (readonly [string, Mapping])[] = [
  ['AccessDenied', PERMISSION],
  ['Throttling', THROTTLED],
  ['TooManyRequests', THROTTLED],
];

export type AcmAction = 'DescribeCertificate' | 'ExportCertificate';

function mappingOf(code: string, action: AcmAction): Mapping {
  const exportMapping = action === 'ExportCertificate' ? EXPORT_CODES[code] : undefined;
  return exportMapping ?? BY_CODE[code] ?? BY_PREFIX.find(([prefix]) => code.startsWith(prefix))?.[1] ?? API_ERROR;
}

const errorName = (err: unknown): string => {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
};

/**
 * Turns an SDK failure of `action` on `arn` into a ControllerError, by err.name only: AWS's own message can carry
 * caller ARNs and encoded authorization details, so it stays out. A ControllerError (e.g. OperationalRoleUnavailable
 * from the credential provider) passes through unchanged.
 */
export function toAcmControllerError(err: unknown, action: AcmAction, arn: string): ControllerError {
  if (err instanceof ControllerError) return err;
  const code = errorName(err);
  const mapping = mappingOf(code, action);
  return new ControllerError(mapping.reason, `ACM ${action} ${arn} failed (${code}): ${mapping.hint}`, mapping.inert);
}
