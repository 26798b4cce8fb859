import { describe, expect, it } from '@jest/globals';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import { validateSourceNatSpec } from './spec.js';

function errorsOf(raw: unknown): string[] {
  const result = validateSourceNatSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

describe('validateSourceNatSpec: valid specs', () => {
  it('applies the schema defaults to an empty spec', () => {
    expect(validateSourceNatSpec({})).toEqual({ ok: true, value: { enable: true, mode: 'masquerade' } });
  });

  it('accepts the documented example unchanged', () => {
    expect(validateSourceNatSpec(sourceNatKind.example.spec)).toEqual({ ok: true, value: sourceNatKind.example.spec });
  });

  it('accepts snat with its address, and every optional field', () => {
    const spec = {
      enable: true,
      sourceCidrs: ['10.0.0.0/16', '10.1.0.0/16', '192.168.7.7/32'],
      excludeDestinationCidrs: ['10.0.0.0/8'],
      egressInterface: 'enp0s31f6.100',
      mode: 'snat',
      snatAddress: '203.0.113.5',
      conntrack: { max: 1024, tcpEstablishedTimeoutSeconds: 60 },
    };
    expect(validateSourceNatSpec(spec)).toEqual({ ok: true, value: spec });
  });

  it('accepts a 15-character interface name (the kernel limit)', () => {
    expect(validateSourceNatSpec({ egressInterface: 'a'.repeat(15) }).ok).toBe(true);
  });

  it('does not modify the input while applying defaults', () => {
    const raw = { sourceCidrs: ['10.0.0.0/16'] };
    validateSourceNatSpec(raw);
    expect(raw).toEqual({ sourceCidrs: ['10.0.0.0/16'] });
  });
});

describe('validateSourceNatSpec: each invalid case names the field', () => {
  it.each([
    ['an unknown field', { enable: true, egress: 'eth0' }, /unknown field "egress"/],
    ['a misspelt nested field', { conntrack: { maximum: 5000 } }, /spec\.conntrack: unknown field "maximum"/],
    ['a CIDR with a bad prefix length', { sourceCidrs: ['10.0.0.0/33'] }, /spec\.sourceCidrs/],
    ['an address instead of a CIDR', { sourceCidrs: ['10.0.0.1'] }, /spec\.sourceCidrs/],
    ['a bad octet', { excludeDestinationCidrs: ['10.0.256.0/24'] }, /spec\.excludeDestinationCidrs/],
    [
      'host bits set',
      { sourceCidrs: ['10.0.0.1/16'] },
      /spec\.sourceCidrs\[0\]: 10\.0\.0\.1\/16 has host bits set; did you mean 10\.0\.0\.0\/16\?/,
    ],
    [
      'overlapping source CIDRs',
      { sourceCidrs: ['10.0.0.0/16', '10.0.1.0/24'] },
      /spec\.sourceCidrs\[1\]: 10\.0\.1\.0\/24 overlaps spec\.sourceCidrs\[0\]/,
    ],
    [
      'overlapping excluded CIDRs',
      { excludeDestinationCidrs: ['192.168.0.0/24', '192.168.0.128/25'] },
      /spec\.excludeDestinationCidrs\[1\].*overlaps/,
    ],
    ['duplicate CIDRs', { sourceCidrs: ['10.0.0.0/16', '10.0.0.0/16'] }, /spec\.sourceCidrs/],
    ['an empty source list', { sourceCidrs: [] }, /spec\.sourceCidrs/],
    ['mode snat without snatAddress', { mode: 'snat' }, /snatAddress/],
    ['an unknown mode', { mode: 'dnat' }, /spec\.mode: must be one of masquerade, snat/],
    ['a bad snatAddress', { mode: 'snat', snatAddress: '203.0.113' }, /spec\.snatAddress/],
    ['enable as a string', { enable: 'yes' }, /spec\.enable/],
    ['a conntrack max below the floor', { conntrack: { max: 5 } }, /spec\.conntrack\.max: must be >= 1024/],
    [
      'a fractional timeout',
      { conntrack: { tcpEstablishedTimeoutSeconds: 90.5 } },
      /spec\.conntrack\.tcpEstablishedTimeoutSeconds/,
    ],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw).join('\n')).toMatch(message);
  });

  it.each([
    ['a double quote', 'eth0"'],
    ['a single quote', "eth0'"],
    ['a space', 'eth 0'],
    ['a trailing newline', 'eth0\n'],
    ['an embedded newline', 'eth0\ncounter'],
    ['a semicolon', 'eth0;flush'],
    ['a hash (nft comment)', 'eth0#'],
    ['a brace', 'eth{0'],
    ['a leading dash', '-eth0'],
    ['16 characters', 'a'.repeat(16)],
    ['an empty name', ''],
  ])('rejects an egressInterface with %s', (_what, name) => {
    expect(errorsOf({ egressInterface: name }).join('\n')).toMatch(/spec\.egressInterface/);
  });

  it('rejects a document that is not an object', () => {
    expect(errorsOf(5)).toEqual(['spec: must be object']);
    expect(errorsOf(null)).toEqual(['spec: must be object']);
  });

  it('reports every problem at once, not only the first', () => {
    const errors = errorsOf({ sourceCidrs: ['10.0.0.1/16'], excludeDestinationCidrs: ['10.9.0.0/16', '10.9.0.0/24'] });
    expect(errors).toHaveLength(2);
  });

  it('rejects snatAddress with masquerade', () => {
    expect(validateSourceNatSpec({ mode: 'masquerade', snatAddress: '203.0.113.5' }).ok).toBe(false);
    expect(validateSourceNatSpec({ snatAddress: '203.0.113.5' }).ok).toBe(false);
  });

  // Regression: a schema if/then/else once reported only 'must match "else" schema', naming no field.
  it('names snatAddress when it is given with mode masquerade', () => {
    expect(errorsOf({ mode: 'masquerade', snatAddress: '203.0.113.5' }).join('\n')).toMatch(/snatAddress/);
  });
});
