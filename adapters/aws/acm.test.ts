import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ACMClient,
  ACMServiceException,
  DescribeCertificateCommand,
  ExportCertificateCommand,
  type ExportCertificateCommandInput,
} from '@aws-sdk/client-acm';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync } from 'node:crypto';
import { ControllerError } from '../../runtime/controller.js';
import type { AcmPort } from '../../runtime/aws/api-ports.js';
import { createAcmAdapter, createAcmClient, parseCertificateArn } from './acm.js';

const acmMock = mockClient(ACMClient);
const signal = new AbortController().signal;
const ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const leafKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const LEAF_KEY_PEM = leafKey.export({ type: 'pkcs8', format: 'pem' }).toString();
let port: AcmPort;
let clientsAskedFor: string[];

const awsError = (name: string): Error =>
  new ACMServiceException({ name, message: `AWS says ${name}`, $fault: 'client', $metadata: { httpStatusCode: 400 } });

async function controllerError(promise: Promise<unknown>): Promise<ControllerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControllerError);
  return err as ControllerError;
}

/** The passphrase ExportCertificate sent, as ACM would read it. */
const passphraseOf = (input: ExportCertificateCommandInput): string => Buffer.from(input.Passphrase ?? []).toString();

/** What ACM does: encrypts the key with the caller's passphrase. */
function exportsWith(key: string): void {
  acmMock.on(ExportCertificateCommand).callsFake((input: ExportCertificateCommandInput) => ({
    Certificate: '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n',
    CertificateChain: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
    PrivateKey:
      key === 'encrypt'
        ? leafKey
            .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: passphraseOf(input) })
            .toString()
        : key,
  }));
}

beforeEach(() => {
  acmMock.reset();
  clientsAskedFor = [];
  port = createAcmAdapter((region, accountId) => {
    clientsAskedFor.push(`${region}/${accountId}`);
    return new ACMClient({ region });
  });
});
afterEach(() => {
  // Every call carries the caller's signal so aborting a reconcile stage cancels the HTTP request.
  for (const call of acmMock.calls()) expect((call.args as unknown[])[1]).toEqual({ abortSignal: signal });
});

describe('createAcmClient', () => {
  it('uses the region, 3 attempts, and the endpoint given by the caller', async () => {
    const client = createAcmClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4567' });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(3);
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4567);
  });
});

describe('parseCertificateArn', () => {
  it.each([
    [ARN, 'eu-west-1', '123456789012'],
    ['arn:aws-us-gov:acm:us-gov-west-1:000000000001:certificate/abc', 'us-gov-west-1', '000000000001'],
    ['arn:aws-cn:acm:cn-north-1:210987654321:certificate/x-1', 'cn-north-1', '210987654321'],
  ])('reads the region and account of %s', (arn, region, accountId) => {
    expect(parseCertificateArn(arn)).toEqual({ region, accountId });
  });

  it.each([
    'arn:aws:iam::123456789012:server-certificate/x',
    'arn:aws:acm:eu-west-1:12345678901:certificate/x',
    `${ARN}\nbind :80`,
    `${ARN} `,
    'arn:aws:acm:eu-west-1:123456789012:certificate/../x',
    '',
  ])('refuses %j before any call', async (arn) => {
    const err = await controllerError(port.describeCertificate(arn, signal));
    expect(err.reason).toBe('InvalidCertificateArn');
    expect(err.inert).toBe(true);
    expect(acmMock.calls()).toHaveLength(0);
    expect(clientsAskedFor).toEqual([]);
  });
});

describe('describeCertificate', () => {
  it('uses the client of the ARN region and account, and maps the summary', async () => {
    acmMock.on(DescribeCertificateCommand, { CertificateArn: ARN }).resolves({
      Certificate: {
        CertificateArn: ARN,
        DomainName: 'shop.example.test',
        Status: 'ISSUED',
        Type: 'AMAZON_ISSUED',
        Serial: '0a:1b',
        NotBefore: new Date('2026-01-01T00:00:00Z'),
        NotAfter: new Date('2027-01-01T00:00:00Z'),
        RenewalSummary: { RenewalStatus: 'PENDING_AUTO_RENEWAL', DomainValidationOptions: [], UpdatedAt: new Date() },
        Options: { Export: 'ENABLED' },
      },
    });
    expect(await port.describeCertificate(ARN, signal)).toEqual({
      arn: ARN,
      status: 'ISSUED',
      type: 'AMAZON_ISSUED',
      exportable: true,
      domainName: 'shop.example.test',
      serial: '0a:1b',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      renewalStatus: 'PENDING_AUTO_RENEWAL',
    });
    expect(clientsAskedFor).toEqual(['eu-west-1/123456789012']);
  });

  it.each([
    [{ Type: 'PRIVATE' as const }, true],
    [{ Type: 'AMAZON_ISSUED' as const }, false],
    [{ Type: 'AMAZON_ISSUED' as const, Options: { Export: 'DISABLED' as const } }, false],
    [{ Type: 'IMPORTED' as const }, false],
  ])('%j is exportable: %s', async (fields, exportable) => {
    acmMock.on(DescribeCertificateCommand).resolves({ Certificate: { Status: 'ISSUED', ...fields } });
    const summary = await port.describeCertificate(ARN, signal);
    expect(summary.exportable).toBe(exportable);
    expect(summary).not.toHaveProperty('serial');
  });

  it('fails when ACM answers without a certificate', async () => {
    acmMock.on(DescribeCertificateCommand).resolves({});
    expect((await controllerError(port.describeCertificate(ARN, signal))).reason).toBe('AwsApiError');
  });
});

describe('exportCertificate', () => {
  it('sends a fresh random passphrase each time and returns the key decrypted as PKCS#8', async () => {
    exportsWith('encrypt');
    const first = await port.exportCertificate(ARN, signal);
    await port.exportCertificate(ARN, signal);
    expect(first).toEqual({
      certificatePem: '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n',
      chainPem: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
      privateKeyPem: LEAF_KEY_PEM,
    });
    const sent = acmMock.commandCalls(ExportCertificateCommand).map((c) => c.args[0].input);
    expect(sent.map((input) => input.CertificateArn)).toEqual([ARN, ARN]);
    const [a = '', b = ''] = sent.map(passphraseOf);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('fails with CertificateInvalid, quoting neither key nor passphrase, when the key does not decrypt', async () => {
    const otherPassphrase = leafKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'not-the-one-sent' })
      .toString();
    for (const key of [otherPassphrase, 'SECRET-MARKER junk']) {
      exportsWith(key);
      const err = await controllerError(port.exportCertificate(ARN, signal));
      expect(err.reason).toBe('CertificateInvalid');
      // The whole message is fixed text and the ARN: nothing of the key or the passphrase can be in it.
      expect(err.message).toBe(
        `ACM ExportCertificate ${ARN} returned a private key that does not decrypt with the passphrase sent`,
      );
    }
  });

  it('fails when ACM answers without a key', async () => {
    acmMock.on(ExportCertificateCommand).resolves({ Certificate: 'x' });
    expect((await controllerError(port.exportCertificate(ARN, signal))).reason).toBe('AwsApiError');
  });
});

describe('errors', () => {
  it.each([
    ['ExportCertificate', 'ValidationException', 'CertificateNotExportable', true],
    ['ExportCertificate', 'InvalidParameterException', 'CertificateNotExportable', true],
    ['ExportCertificate', 'ResourceNotFoundException', 'CertificateNotFound', true],
    ['DescribeCertificate', 'ResourceNotFoundException', 'CertificateNotFound', true],
    ['DescribeCertificate', 'InvalidArnException', 'CertificateNotFound', true],
    ['DescribeCertificate', 'ValidationException', 'AwsApiError', false],
    ['ExportCertificate', 'RequestInProgressException', 'CertificateNotIssued', false],
    ['DescribeCertificate', 'AccessDeniedException', 'MissingPermission', true],
    ['ExportCertificate', 'AccessDenied', 'MissingPermission', true],
    ['DescribeCertificate', 'ThrottlingException', 'Throttled', false],
    ['DescribeCertificate', 'InternalServerException', 'AwsApiError', false],
  ])('%s failing with %s gives %s (inert %s)', async (action, code, reason, inert) => {
    // Both fail, so each case shows its action's mapping whichever one the port calls.
    acmMock.on(ExportCertificateCommand).rejects(awsError(code));
    acmMock.on(DescribeCertificateCommand).rejects(awsError(code));
    const call = action === 'ExportCertificate' ? port.exportCertificate : port.describeCertificate;
    const err = await controllerError(call(ARN, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason, inert });
    expect(err.message).toContain(`ACM ${action} ${ARN} failed (${code})`);
    expect(err.message).not.toContain('AWS says');
  });

  it('passes a ControllerError from the credential provider through', async () => {
    const roleError = new ControllerError('OperationalRoleUnavailable', 'no role', true);
    acmMock.on(DescribeCertificateCommand).rejects(roleError);
    expect(await controllerError(port.describeCertificate(ARN, signal))).toBe(roleError);
  });
});
