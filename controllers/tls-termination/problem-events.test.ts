import { describe, expect, it } from '@jest/globals';
import { CertificateProblemEvents } from './problem-events.js';
import type { CertificateObservation } from './types.js';

const file = { subject: 'CN=web', issuer: 'CN=ca', serial: '0a', notAfter: '2030-01-01T00:00:00.000Z' };
const failing = (message: string): CertificateObservation =>
  ({ resource: 'web', source: 'acm', file, problem: { reason: 'AwsApiError', message } }) as CertificateObservation;
const fine = { resource: 'web', source: 'acm', file } as CertificateObservation;

describe('CertificateProblemEvents', () => {
  it('warns once per problem, names the certificate that keeps serving, and again once it changes or returns', () => {
    const events = new CertificateProblemEvents();
    expect(events.events([failing('describe failed')])).toEqual([
      {
        type: 'Warning',
        reason: 'AwsApiError',
        resource: 'web',
        message: 'describe failed; CN=web (serial 0a) keeps serving',
      },
    ]);
    expect(events.events([failing('describe failed')])).toEqual([]);
    expect(events.events([failing('export failed')])).toHaveLength(1);
    expect(events.events([fine])).toEqual([]);
    expect(events.events([failing('export failed')])).toHaveLength(1);
  });

  it('says nothing keeps serving when there is no certificate yet', () => {
    const waiting = {
      resource: 'new',
      source: 'acm',
      problem: { reason: 'WaitingForCertificate', message: 'none yet' },
    };
    expect(new CertificateProblemEvents().events([waiting as CertificateObservation])[0]?.message).toBe('none yet');
  });
});
