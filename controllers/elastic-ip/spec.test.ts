import { describe, expect, it } from '@jest/globals';
import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import { validateElasticIpSpec } from './spec.js';

function errorsOf(raw: unknown): string {
  const result = validateElasticIpSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors.join('\n');
}

describe('validateElasticIpSpec', () => {
  it('accepts the documented example, and every field', () => {
    expect(validateElasticIpSpec(elasticIpKind.example.spec)).toEqual({ ok: true, value: elasticIpKind.example.spec });
    const full = {
      allocationId: 'eipalloc-12345678',
      networkInterfaceId: 'eni-0123456789abcdef0',
      privateIpAddress: '10.0.1.10',
    };
    expect(validateElasticIpSpec(full)).toEqual({ ok: true, value: full });
  });

  it.each([
    ['no allocationId', {}, /spec: must have required property 'allocationId'/],
    ['an unknown field', { allocationId: 'eipalloc-12345678', publicIp: '1.2.3.4' }, /unknown field "publicIp"/],
    ['a short allocation id', { allocationId: 'eipalloc-1234567' }, /spec\.allocationId/],
    ['a long allocation id', { allocationId: `eipalloc-${'a'.repeat(18)}` }, /spec\.allocationId/],
    ['upper-case hex', { allocationId: 'eipalloc-0123456789ABCDEF0' }, /spec\.allocationId/],
    ['a public IP instead', { allocationId: '203.0.113.10' }, /spec\.allocationId/],
    ['a bad private address', { allocationId: 'eipalloc-12345678', privateIpAddress: '10.0.1' }, /privateIpAddress/],
    [
      'an allocation id as ENI',
      { allocationId: 'eipalloc-12345678', networkInterfaceId: 'eipalloc-12345678' },
      /networkInterfaceId/,
    ],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw)).toMatch(message);
  });

  it.each([
    ['a space', 'eipalloc-1234 5678'],
    ['a double quote', 'eipalloc-12345678"'],
    ['a single quote', "eipalloc-12345678'"],
    ['a trailing newline', 'eipalloc-12345678\n'],
    ['a second id', 'eipalloc-12345678,eipalloc-87654321'],
    ['a shell substitution', 'eipalloc-$(id)1234'],
  ])('rejects ids with %s', (_what, id) => {
    expect(errorsOf({ allocationId: id })).toMatch(/spec\.allocationId/);
    expect(errorsOf({ allocationId: 'eipalloc-12345678', networkInterfaceId: id.replace('eipalloc', 'eni') })).toMatch(
      /spec\.networkInterfaceId/,
    );
  });
});
