import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACMClient, ExportCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { X509Certificate } from 'node:crypto';
import { createAcmAdapter, createAcmClient } from '../../adapters/aws/acm.js';
import { inspectCertificate, isCertificateProblem } from '../../controllers/tls-termination/certificate/inspect.js';
import type { LoadedCertificate } from '../../controllers/tls-termination/certificate/types.js';
import type { AcmPort } from '../../runtime/aws/api-ports.js';
import { ControllerError } from '../../runtime/controller.js';
import { startFakeAcm } from './cli.js';
import type { FakeAcmServer } from './server.js';

const credentials = { accessKeyId: 'AKIDFAKEACM', secretAccessKey: 'fake' };
const signal = new AbortController().signal;
let server: FakeAcmServer;
let url: string;
let client: ACMClient;
let acm: AcmPort;
let regionsAsked: string[];

beforeAll(async () => {
  ({ server, url } = await startFakeAcm({
    host: '127.0.0.1',
    port: 0,
    region: 'eu-west-1',
    accountId: '210987654321',
    validityDays: 90,
  }));
  client = createAcmClient({ region: 'eu-west-1', endpoint: url, credentials });
  regionsAsked = [];
  acm = createAcmAdapter((region, accountId) => {
    regionsAsked.push(`${region}/${accountId}`);
    return client;
  });
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

async function control(path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const init =
    body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) };
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function issue(body: Record<string, unknown>): Promise<string> {
  const { status, json } = await control('/_issue', body);
  expect(status).toBe(200);
  return (json as { arn: string }).arn;
}

async function exported(arn: string): Promise<LoadedCertificate> {
  const result = inspectCertificate(await acm.exportCertificate(arn, signal), new Date());
  if (isCertificateProblem(result)) throw new Error(`${result.reason}: ${result.message}`);
  return result;
}

async function failure(promise: Promise<unknown>): Promise<ControllerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControllerError);
  return err as ControllerError;
}

describe('fake ACM through the real SDK client and the adapter', () => {
  it('issues, describes, exports with an encrypted key, and the export inspects clean', async () => {
    const arn = await issue({ domainName: 'shop.example.test', sans: ['www.shop.example.test'] });
    expect(arn).toMatch(/^arn:aws:acm:eu-west-1:210987654321:certificate\/[0-9a-f-]{36}$/);
    const summary = await acm.describeCertificate(arn, signal);
    expect(summary).toMatchObject({ arn, status: 'ISSUED', type: 'AMAZON_ISSUED', exportable: true });
    expect(summary.domainName).toBe('shop.example.test');
    const cert = await exported(arn);
    expect(regionsAsked.at(-1)).toBe('eu-west-1/210987654321');
    expect(cert.subject).toBe('CN=shop.example.test');
    expect(cert.issuer).toBe('CN=csgw fake ACM test CA');
    expect(cert.dnsNames).toEqual(['shop.example.test', 'www.shop.example.test']);
    // ACM's colon-separated serial is the certificate's own.
    expect(summary.serial?.replace(/:/g, '').toUpperCase()).toBe(cert.serial);
    expect(summary.notAfter).toBe(cert.notAfter);
    expect(Date.parse(cert.notAfter) - Date.parse(cert.notBefore)).toBe((90 * 24 + 1) * 3_600_000);
    const { text: caPem } = await control('/_ca');
    expect(cert.material.chainPem).toBe(caPem);
    expect(new X509Certificate(cert.material.certificatePem).verify(new X509Certificate(caPem).publicKey)).toBe(true);
  });

  it('sends the key encrypted with the passphrase as ENCRYPTED PRIVATE KEY, and logs no passphrase', async () => {
    const arn = await issue({ domainName: 'raw.example.test', keyAlgorithm: 'RSA_2048' });
    const out = await client.send(
      new ExportCertificateCommand({ CertificateArn: arn, Passphrase: Buffer.from('correct horse battery') }),
    );
    expect(out.PrivateKey).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const { json } = await control('/_calls');
    const exports = (json as { action: string; input: Record<string, unknown> }[]).filter(
      (c) => c.action === 'ExportCertificate',
    );
    expect(exports.length).toBeGreaterThan(0);
    for (const call of exports) expect(call.input['Passphrase']).toBe('<redacted>');
    expect(JSON.stringify(json)).not.toContain(Buffer.from('correct horse battery').toString('base64'));
  });

  it.each(['abc', 'has#hash', 'has$dollar', 'per%cent', 'x'.repeat(129)])(
    'refuses the passphrase %j as ACM does',
    async (passphrase) => {
      const arn = await issue({ domainName: 'pass.example.test' });
      const send = client.send(
        new ExportCertificateCommand({ CertificateArn: arn, Passphrase: Buffer.from(passphrase) }),
      );
      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    },
  );

  it('renews under the same ARN: new serial, new fingerprint, RenewalStatus SUCCESS', async () => {
    const arn = await issue({ domainName: 'renew.example.test' });
    const before = await acm.describeCertificate(arn, signal);
    const first = await exported(arn);
    expect((await control('/_renew', { arn })).status).toBe(200);
    const after = await acm.describeCertificate(arn, signal);
    const second = await exported(arn);
    expect(after.serial).not.toBe(before.serial);
    expect(after.renewalStatus).toBe('SUCCESS');
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(second.dnsNames).toEqual(['renew.example.test']);
  });

  it('refuses to export a certificate issued as not exportable: CertificateNotExportable', async () => {
    const arn = await issue({ domainName: 'locked.example.test', exportable: false });
    expect((await acm.describeCertificate(arn, signal)).exportable).toBe(false);
    const err = await failure(acm.exportCertificate(arn, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'CertificateNotExportable', inert: true });
  });

  it('answers an unknown ARN with CertificateNotFound', async () => {
    const arn = 'arn:aws:acm:eu-west-1:210987654321:certificate/00000000-0000-0000-0000-000000000000';
    expect((await failure(acm.describeCertificate(arn, signal))).reason).toBe('CertificateNotFound');
  });

  it('corrupts exports on request: a key of another certificate, a certificate that does not parse, then mends', async () => {
    const arn = await issue({ domainName: 'broken.example.test' });
    const check = async (): Promise<string> => {
      const result = inspectCertificate(await acm.exportCertificate(arn, signal), new Date());
      return isCertificateProblem(result) ? result.reason : 'ok';
    };
    await control('/_corrupt', { arn, mode: 'key-mismatch' });
    expect(await check()).toBe('KeyMismatch');
    expect(await check()).toBe('KeyMismatch');
    await control('/_corrupt', { arn, mode: 'garbage' });
    expect(await check()).toBe('CertificateInvalid');
    await control('/_corrupt', { arn, mode: 'none' });
    expect(await check()).toBe('ok');
  });

  it('fails the next calls of an action with the given AWS error code', async () => {
    const arn = await issue({ domainName: 'fail.example.test' });
    await control('/_fail', { action: 'DescribeCertificate', code: 'AccessDeniedException' });
    expect((await failure(acm.describeCertificate(arn, signal))).reason).toBe('MissingPermission');
    expect((await acm.describeCertificate(arn, signal)).status).toBe('ISSUED');
    await control('/_fail', { action: 'ExportCertificate', code: 'ResourceNotFoundException', count: 2 });
    expect((await failure(acm.exportCertificate(arn, signal))).reason).toBe('CertificateNotFound');
    expect((await failure(acm.exportCertificate(arn, signal))).reason).toBe('CertificateNotFound');
    expect((await exported(arn)).subject).toBe('CN=fail.example.test');
  });

  it('serves RequestCertificate, exportable only with Options.Export ENABLED', async () => {
    const open = await client.send(
      new RequestCertificateCommand({ DomainName: 'req.example.test', Options: { Export: 'ENABLED' } }),
    );
    const closed = await client.send(new RequestCertificateCommand({ DomainName: 'req2.example.test' }));
    expect((await acm.describeCertificate(open.CertificateArn ?? '', signal)).exportable).toBe(true);
    expect((await acm.describeCertificate(closed.CertificateArn ?? '', signal)).exportable).toBe(false);
    const bad = client.send(new RequestCertificateCommand({ DomainName: 'evil.test\nbind :80' }));
    await expect(bad).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('control endpoints', () => {
  it('keeps keys out of /_state', async () => {
    await issue({ domainName: 'state.example.test' });
    const { json, text } = await control('/_state');
    expect(Array.isArray(json)).toBe(true);
    expect(text).toContain('state.example.test');
    expect(text).not.toContain('PRIVATE KEY');
  });

  it.each([
    ['/_issue', 'not json', 'body must be JSON'],
    ['/_issue', { domainName: 'a.test', sans: 'b.test' }, 'sans must be a list of strings'],
    ['/_issue', { domainName: 'x.test\n  bind *:80' }, 'not a domain name: "x.test\\n  bind *:80"'],
    ['/_issue', { domainName: 'x.test', keyAlgorithm: 'DSA' }, 'keyAlgorithm must be EC_prime256v1 or RSA_2048'],
    ['/_renew', {}, 'arn must be a non-empty string'],
    ['/_corrupt', { arn: 'x', mode: 'melt' }, 'mode must be one of key-mismatch, garbage, none'],
    ['/_fail', { action: 'DeleteCertificate', code: 'X' }, 'action must be one of'],
    ['/_fail', { action: 'ExportCertificate', code: 'a b' }, 'code must be an AWS error code'],
  ])('POST %s %j is refused with a reason', async (path, body, reason) => {
    const { status, json } = await control(path, body);
    expect(status).toBe(400);
    expect((json as { error: string }).error).toContain(reason);
  });

  it('answers 404 for a control route it does not have, and for renewing an unknown ARN', async () => {
    expect((await control('/_nope')).status).toBe(404);
    expect((await control('/_renew', { arn: 'arn:aws:acm:eu-west-1:210987654321:certificate/x' })).status).toBe(400);
  });
});
