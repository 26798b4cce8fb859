import { describe, expect, it } from '@jest/globals';
import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import { validateSourceDestCheckSpec } from './spec.js';

function errorsOf(raw: unknown): string {
  const result = validateSourceDestCheckSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors.join('\n');
}

describe('validateSourceDestCheckSpec', () => {
  it('accepts the example and the bootstrap spec (the check off)', () => {
    expect(validateSourceDestCheckSpec(sourceDestCheckKind.example.spec)).toEqual({
      ok: true,
      value: { enabled: false },
    });
    expect(validateSourceDestCheckSpec(sourceDestCheckKind.bootstrap?.spec)).toEqual({
      ok: true,
      value: { enabled: false },
    });
    const full = { enabled: true, networkInterfaceId: 'eni-12345678' };
    expect(validateSourceDestCheckSpec(full)).toEqual({ ok: true, value: full });
  });

  it.each([
    ['no enabled (there is no safe default to guess)', {}, /required property 'enabled'/],
    ['enabled as a string', { enabled: 'false' }, /spec\.enabled: must be boolean/],
    ['an unknown field', { enabled: false, enable: false }, /unknown field "enable"/],
    ['an ENI with a quote', { enabled: false, networkInterfaceId: 'eni-12345678"' }, /spec\.networkInterfaceId/],
    ['an ENI with a space', { enabled: false, networkInterfaceId: 'eni-1234 5678' }, /spec\.networkInterfaceId/],
    ['an ENI with a newline', { enabled: false, networkInterfaceId: 'eni-12345678\n' }, /spec\.networkInterfaceId/],
    ['an instance id', { enabled: false, networkInterfaceId: 'i-0123456789abcdef0' }, /spec\.networkInterfaceId/],
    ['a non-object', 'off', /spec: must be object/],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw)).toMatch(message);
  });
});
