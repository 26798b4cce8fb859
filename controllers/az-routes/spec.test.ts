import { describe, expect, it } from '@jest/globals';
import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import { isAzId, validateAzRoutesSpec } from './spec.js';

const base = { availabilityZoneId: 'use1-az1', routeTableIds: ['rtb-0123456789abcdef0'] };

function errorsOf(raw: unknown): string {
  const result = validateAzRoutesSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors.join('\n');
}

describe('validateAzRoutesSpec', () => {
  it('defaults the destinations to the default route', () => {
    expect(validateAzRoutesSpec(base)).toEqual({ ok: true, value: { ...base, destinationCidrs: ['0.0.0.0/0'] } });
  });

  it('accepts the example and every field', () => {
    expect(validateAzRoutesSpec(azRoutesKind.example.spec)).toEqual({ ok: true, value: azRoutesKind.example.spec });
    const full = {
      ...base,
      destinationCidrs: ['0.0.0.0/0', '10.1.0.0/16', '10.1.2.0/24'],
      networkInterfaceId: 'eni-12345678',
      accountId: '123456789012',
    };
    expect(validateAzRoutesSpec(full)).toEqual({ ok: true, value: full });
  });

  it('accepts 200 route tables and refuses 201', () => {
    const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `rtb-${i.toString(16).padStart(8, '0')}`);
    expect(validateAzRoutesSpec({ ...base, routeTableIds: ids(200) }).ok).toBe(true);
    expect(errorsOf({ ...base, routeTableIds: ids(201) })).toMatch(/spec\.routeTableIds: must NOT have more than 200/);
  });

  it.each([
    ['no AZ', { routeTableIds: base.routeTableIds }, /required property 'availabilityZoneId'/],
    ['an AZ name instead of an AZ ID', { ...base, availabilityZoneId: 'us-east-1a' }, /spec\.availabilityZoneId/],
    ['no tables', { ...base, routeTableIds: [] }, /spec\.routeTableIds: must NOT have fewer than 1/],
    ['a duplicate table', { ...base, routeTableIds: ['rtb-12345678', 'rtb-12345678'] }, /duplicate items/],
    ['a duplicate destination', { ...base, destinationCidrs: ['0.0.0.0/0', '0.0.0.0/0'] }, /duplicate items/],
    ['no destinations', { ...base, destinationCidrs: [] }, /spec\.destinationCidrs/],
    ['an address instead of a CIDR', { ...base, destinationCidrs: ['10.0.0.1'] }, /spec\.destinationCidrs\[0\]/],
    ['an IPv6 destination', { ...base, destinationCidrs: ['::/0'] }, /spec\.destinationCidrs\[0\]/],
    [
      'host bits set',
      { ...base, destinationCidrs: ['0.0.0.0/0', '10.1.2.3/16'] },
      /spec\.destinationCidrs\[1\]: 10\.1\.2\.3\/16 has host bits set; did you mean 10\.1\.0\.0\/16\?/,
    ],
    ['an 11-digit account', { ...base, accountId: '12345678901' }, /spec\.accountId/],
    ['an account as a number', { ...base, accountId: 123456789012 }, /spec\.accountId/],
    ['an unknown field', { ...base, routes: [] }, /unknown field "routes"/],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw)).toMatch(message);
  });

  it.each([
    ['a space', 'rtb-1234 5678'],
    ['a double quote', 'rtb-12345678"'],
    ['a single quote', "rtb-12345678'"],
    ['a newline', 'rtb-12345678\nrtb-87654321'],
    ['a filter expression', 'rtb-*'],
  ])('rejects ids with %s', (_what, id) => {
    expect(errorsOf({ ...base, routeTableIds: [id] })).toMatch(/spec\.routeTableIds\[0\]/);
    expect(errorsOf({ ...base, networkInterfaceId: id.replace('rtb', 'eni') })).toMatch(/spec\.networkInterfaceId/);
    expect(errorsOf({ ...base, availabilityZoneId: id.replace('rtb-12345678', 'use1-az1') })).toMatch(
      /spec\.availabilityZoneId/,
    );
  });

  it.each(['use1-az1', 'apne1-az4', 'usw2-lax1-az1', 'usgw1-az2'])('knows %s as an AZ ID', (id) => {
    expect(isAzId(id)).toBe(true);
  });

  it.each(['us-east-1a', 'use1-az', 'use1-az1 ', 'USE1-AZ1', ''])('does not take %j for an AZ ID', (id) => {
    expect(isAzId(id)).toBe(false);
  });
});
