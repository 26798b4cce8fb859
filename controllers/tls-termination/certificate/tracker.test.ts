import { beforeEach, describe, expect, it } from '@jest/globals';
import type { AcmPort, CertificateMaterial, CertificateSummary } from '../../../runtime/aws/api-ports.js';
import { ControllerError } from '../../../runtime/controller.js';
import { createTestCa, generateLeafKey } from '../../../lab/fake-acm/test-ca.js';
import { createAcmCertificateTracker } from './tracker.js';
import type { AcmCertificateState, AcmCertificateTracker } from './types.js';

const ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/aaaa-1';
const OTHER_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/bbbb-2';
const CHECK_SECONDS = 600;
const ca = createTestCa('Tracker CA', new Date('2026-01-01T00:00:00Z'));
const signal = new AbortController().signal;

/** An ACM with one certificate per ARN that can be renewed, broken and made to fail; calls counted. */
class FakeAcm implements AcmPort {
  describes = 0;
  exports = 0;
  describeFailure?: Error;
  exportFailure?: Error;
  exportMismatchedKey = false;
  private readonly certs = new Map<string, { summary: CertificateSummary; material: CertificateMaterial }>();

  issue(arn: string, generation: number, overrides: Partial<CertificateSummary> = {}): void {
    const notAfter = new Date(Date.UTC(2026, 6 + generation, 1));
    const leaf = ca.issue({
      commonName: 'shop.example.test',
      dnsNames: ['shop.example.test'],
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter,
    });
    const summary: CertificateSummary = {
      arn,
      status: 'ISSUED',
      type: 'PRIVATE',
      exportable: true,
      domainName: 'shop.example.test',
      serial: `serial-${generation}`,
      notAfter: notAfter.toISOString(),
      ...overrides,
    };
    const privateKeyPem = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.certs.set(arn, {
      summary,
      material: { certificatePem: leaf.certificatePem, chainPem: ca.certificatePem, privateKeyPem },
    });
  }

  describeCertificate(arn: string): Promise<CertificateSummary> {
    this.describes += 1;
    if (this.describeFailure !== undefined) return Promise.reject(this.describeFailure);
    const cert = this.certs.get(arn);
    return cert
      ? Promise.resolve({ ...cert.summary })
      : Promise.reject(new ControllerError('CertificateNotFound', arn, true));
  }

  exportCertificate(arn: string): Promise<CertificateMaterial> {
    this.exports += 1;
    if (this.exportFailure !== undefined) return Promise.reject(this.exportFailure);
    const material = this.certs.get(arn)?.material;
    if (!material) return Promise.reject(new ControllerError('CertificateNotFound', arn, true));
    if (!this.exportMismatchedKey) return Promise.resolve({ ...material });
    return Promise.resolve({
      ...material,
      privateKeyPem: generateLeafKey().export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
  }

  calls(): { describes: number; exports: number } {
    return { describes: this.describes, exports: this.exports };
  }
}

let acm: FakeAcm;
let now: number;
let tracker: AcmCertificateTracker;
const advance = (seconds: number): void => {
  now += seconds * 1000;
};
const current = (arn = ARN, resource = 'default/web'): Promise<AcmCertificateState> =>
  tracker.current(resource, arn, CHECK_SECONDS, signal);

beforeEach(() => {
  acm = new FakeAcm();
  acm.issue(ARN, 0);
  now = Date.parse('2026-03-01T00:00:00Z');
  tracker = createAcmCertificateTracker({ acm, clock: () => new Date(now) });
});

describe('createAcmCertificateTracker', () => {
  it('describes and exports a new certificate at once, then describes only every renewalCheckSeconds', async () => {
    const first = await current();
    expect(acm.calls()).toEqual({ describes: 1, exports: 1 });
    expect(first.certificate?.subject).toBe('CN=shop.example.test');
    expect(first.summary?.serial).toBe('serial-0');
    expect(first.checkedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(first.error).toBeUndefined();
    advance(CHECK_SECONDS - 1);
    expect(await current()).toEqual(first);
    expect(acm.calls()).toEqual({ describes: 1, exports: 1 });
    advance(1);
    const later = await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 1 });
    expect(later.certificate).toEqual(first.certificate);
    expect(later.checkedAt).toBe('2026-03-01T00:10:00.000Z');
  });

  it('exports again when a renewal changes the serial and validity', async () => {
    const before = (await current()).certificate;
    acm.issue(ARN, 1);
    advance(CHECK_SECONDS);
    const after = await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 2 });
    expect(after.certificate?.fingerprint).not.toBe(before?.fingerprint);
    expect(after.certificate?.notAfter).toBe('2026-08-01T00:00:00.000Z');
  });

  it('keeps the certificate when a describe fails, and asks again at the next call', async () => {
    const good = (await current()).certificate;
    advance(CHECK_SECONDS);
    acm.describeFailure = new ControllerError('Throttled', 'ACM DescribeCertificate throttled');
    const failing = await current();
    expect(failing.certificate).toEqual(good);
    expect(failing.error).toEqual({ reason: 'Throttled', message: 'ACM DescribeCertificate throttled' });
    acm.describeFailure = undefined;
    const recovered = await current();
    expect(recovered.error).toBeUndefined();
    expect(acm.calls()).toEqual({ describes: 3, exports: 1 });
  });

  it('never throws: an unexpected failure becomes AwsApiError without its text', async () => {
    acm.describeFailure = new Error('secret-ish detail');
    const state = await current();
    expect(state.error).toEqual({
      reason: 'AwsApiError',
      message: `ACM DescribeCertificate ${ARN} failed unexpectedly`,
    });
    expect(state.certificate).toBeUndefined();
  });

  it('retries a failed export at the next call without describing again, keeping the old certificate', async () => {
    const old = (await current()).certificate;
    acm.issue(ARN, 1);
    advance(CHECK_SECONDS);
    acm.exportFailure = new ControllerError('AwsApiError', 'ACM ExportCertificate failed (InternalFailure)');
    const failing = await current();
    expect(failing.certificate).toEqual(old);
    expect(failing.error?.reason).toBe('AwsApiError');
    acm.exportFailure = undefined;
    const fixed = await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 3 });
    expect(fixed.error).toBeUndefined();
    expect(fixed.certificate?.fingerprint).not.toBe(old?.fingerprint);
  });

  it('waits for the next describe after an inert export failure', async () => {
    await current();
    acm.issue(ARN, 1);
    advance(CHECK_SECONDS);
    acm.exportFailure = new ControllerError('CertificateNotExportable', 'ACM refuses', true);
    expect((await current()).error?.reason).toBe('CertificateNotExportable');
    await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 2 });
  });

  it('rejects an export whose key is another certificate’s, keeps the old one, and tries again after the next describe', async () => {
    const old = (await current()).certificate;
    acm.issue(ARN, 1);
    acm.exportMismatchedKey = true;
    advance(CHECK_SECONDS);
    const bad = await current();
    expect(bad.certificate).toEqual(old);
    expect(bad.error).toEqual({
      reason: 'KeyMismatch',
      message: `ACM certificate ${ARN}: the private key does not belong to CN=shop.example.test`,
    });
    await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 2 });
    acm.exportMismatchedKey = false;
    advance(CHECK_SECONDS);
    const fixed = await current();
    expect(acm.calls()).toEqual({ describes: 3, exports: 3 });
    expect(fixed.error).toBeUndefined();
    expect(fixed.certificate?.fingerprint).not.toBe(old?.fingerprint);
  });

  it('does not export a certificate that is not ISSUED, and asks again at each call while nothing is served', async () => {
    acm.issue(ARN, 0, { status: 'PENDING_VALIDATION' });
    const pending = await current();
    expect(pending.error).toEqual({
      reason: 'CertificateNotIssued',
      message: `ACM certificate ${ARN} is PENDING_VALIDATION, not ISSUED`,
    });
    expect(pending.certificate).toBeUndefined();
    acm.issue(ARN, 0);
    const issued = await current();
    expect(acm.calls()).toEqual({ describes: 2, exports: 1 });
    expect(issued.error).toBeUndefined();
    expect(issued.certificate).toBeDefined();
  });

  it('does not call ExportCertificate for a certificate ACM reports as not exportable', async () => {
    acm.issue(ARN, 0, { type: 'AMAZON_ISSUED', exportable: false });
    const state = await current();
    expect(state.error?.reason).toBe('CertificateNotExportable');
    expect(state.error?.message).toContain('AMAZON_ISSUED');
    expect(acm.calls()).toEqual({ describes: 1, exports: 0 });
  });

  it('keeps an expired renewal out and the current certificate serving while ACM stays EXPIRED', async () => {
    const good = (await current()).certificate;
    acm.issue(ARN, 0, { status: 'EXPIRED' });
    advance(CHECK_SECONDS);
    const state = await current();
    expect(state.certificate).toEqual(good);
    expect(state.error?.reason).toBe('CertificateNotIssued');
  });

  it('describes a new ARN at once and serves the old certificate until the new one is good', async () => {
    const old = (await current()).certificate;
    acm.issue(OTHER_ARN, 5, { status: 'PENDING_VALIDATION' });
    const switching = await current(OTHER_ARN);
    expect(switching.certificate).toEqual(old);
    expect(switching.summary?.arn).toBe(OTHER_ARN);
    expect(switching.error?.reason).toBe('CertificateNotIssued');
    acm.issue(OTHER_ARN, 5);
    advance(CHECK_SECONDS);
    const switched = await current(OTHER_ARN);
    expect(switched.certificate?.notAfter).toBe('2026-12-01T00:00:00.000Z');
    expect(acm.calls()).toEqual({ describes: 3, exports: 2 });
  });

  it('tracks resources apart, and starts over after forget', async () => {
    await current(ARN, 'a/one');
    await current(ARN, 'b/two');
    expect(acm.calls()).toEqual({ describes: 2, exports: 2 });
    tracker.forget('a/one');
    await current(ARN, 'a/one');
    await current(ARN, 'b/two');
    expect(acm.calls()).toEqual({ describes: 3, exports: 3 });
  });

  it('shares one refresh between concurrent callers of a resource', async () => {
    const [a, b] = await Promise.all([current(), current()]);
    expect(acm.calls()).toEqual({ describes: 1, exports: 1 });
    expect(a).toEqual(b);
  });

  it('returns a copy the caller cannot use to change the tracked state', async () => {
    const state = await current();
    delete state.certificate;
    expect((await current()).certificate).toBeDefined();
  });
});
