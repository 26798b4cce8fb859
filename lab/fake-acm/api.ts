// ACM's JSON 1.1 actions (X-Amz-Target: CertificateManager.<Action>) over the model: input checks as ACM makes them,
// answers in ACM's shapes. Timestamps are epoch seconds, blobs base64, as the protocol has it.
import { AcmError, type AcmModel } from './model.js';
import type { LeafKeyAlgorithm } from './test-ca.js';

export const SUPPORTED_ACTIONS = ['DescribeCertificate', 'ExportCertificate', 'RequestCertificate'];

type Input = Record<string, unknown>;

const ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]{1,128}$/;
const KEY_ALGORITHMS: readonly LeafKeyAlgorithm[] = ['EC_prime256v1', 'RSA_2048'];

function arnOf(input: Input): string {
  const arn = input['CertificateArn'];
  if (typeof arn !== 'string' || !ARN.test(arn)) {
    throw new AcmError('InvalidArnException', `${JSON.stringify(arn)} is not a valid certificate ARN`);
  }
  return arn;
}

/** ACM's rule: 4 to 128 ASCII characters, none of #, $ or %. */
function passphraseOf(input: Input): string {
  const encoded = input['Passphrase'];
  const text = typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('latin1') : '';
  if (text.length < 4 || text.length > 128 || !/^[\x20-\x7e]+$/.test(text) || /[#$%]/.test(text)) {
    throw new AcmError('ValidationException', 'Passphrase must be 4 to 128 ASCII characters other than #, $ and %');
  }
  return text;
}

function requestCertificate(model: AcmModel, input: Input): Input {
  const { DomainName, SubjectAlternativeNames, Options, KeyAlgorithm } = input;
  if (typeof DomainName !== 'string') throw new AcmError('ValidationException', 'DomainName is required');
  const sans = SubjectAlternativeNames ?? [];
  if (!Array.isArray(sans) || !sans.every((s): s is string => typeof s === 'string')) {
    throw new AcmError('ValidationException', 'SubjectAlternativeNames must be a list of names');
  }
  const keyAlgorithm = KeyAlgorithm ?? 'RSA_2048';
  if (!KEY_ALGORITHMS.includes(keyAlgorithm as LeafKeyAlgorithm)) {
    throw new AcmError('ValidationException', `KeyAlgorithm must be one of ${KEY_ALGORITHMS.join(', ')} here`);
  }
  const exportOption = (Options as Input | undefined)?.['Export'];
  const arn = model.issue({
    domainName: DomainName,
    sans,
    exportable: exportOption === 'ENABLED',
    keyAlgorithm: keyAlgorithm as LeafKeyAlgorithm,
  });
  return { CertificateArn: arn };
}

export function runAction(model: AcmModel, action: string, input: Input): Input {
  switch (action) {
    case 'DescribeCertificate':
      return { Certificate: model.describe(arnOf(input)) };
    case 'ExportCertificate':
      return model.export(arnOf(input), passphraseOf(input));
    case 'RequestCertificate':
      return requestCertificate(model, input);
    default:
      throw new AcmError('UnknownOperationException', `the fake ACM does not implement ${action}`);
  }
}

/** The request as logged by GET /_calls: the passphrase never appears. */
export function loggable(input: Input): Input {
  return 'Passphrase' in input ? { ...input, Passphrase: '<redacted>' } : input;
}
