import { describe, expect, it } from '@jest/globals';
import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import { MAX_ELEMENTS_PER_RULE, validateFirewallPolicySpec } from './spec.js';

function errorsOf(raw: unknown): string[] {
  const result = validateFirewallPolicySpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

const rule = (over: Record<string, unknown>): unknown => ({ rules: [{ action: 'allow', ...over }] });

describe('validateFirewallPolicySpec: valid specs', () => {
  it('applies the schema defaults', () => {
    expect(validateFirewallPolicySpec({})).toEqual({ ok: true, value: { order: 1000, rules: [] } });
    expect(validateFirewallPolicySpec({ rules: [{ action: 'deny' }], input: {} })).toEqual({
      ok: true,
      value: { order: 1000, rules: [{ action: 'deny', protocol: 'any' }], input: { rules: [] } },
    });
  });

  it('leaves input.defaultAction unset when not written, so only written values take part in conflicts', () => {
    const result = validateFirewallPolicySpec({ input: { rules: [] } });
    expect(result.ok && result.value.input).toEqual({ rules: [] });
  });

  it('accepts the documented example unchanged', () => {
    const result = validateFirewallPolicySpec(firewallPolicyKind.example.spec);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toMatchObject(firewallPolicyKind.example.spec);
  });

  it('accepts every field at its limits', () => {
    const spec = {
      order: 0,
      defaultAction: 'reject',
      rules: [
        {
          action: 'deny',
          sourceCidrs: ['0.0.0.0/0'],
          destinationCidrs: ['10.0.0.0/8', '192.168.1.1/32'],
          protocol: 'udp',
          destinationPorts: [1, 65535, '1000-2000', '3000-3000'],
          comment: 'a'.repeat(128),
        },
      ],
      input: { defaultAction: 'allow', rules: [{ action: 'allow', protocol: 'icmp' }] },
    };
    expect(validateFirewallPolicySpec(spec)).toEqual({ ok: true, value: spec });
    expect(validateFirewallPolicySpec({ order: 1000000 }).ok).toBe(true);
  });

  it('accepts comments in plain words and common punctuation', () => {
    expect(validateFirewallPolicySpec(rule({ comment: 'Partner VPN (ticket OPS-1234): a.b@c, x=y+z/w' })).ok).toBe(
      true,
    );
  });
});

describe('validateFirewallPolicySpec: each invalid case names the field', () => {
  it.each([
    ['an unknown top-level field', { rule: [] }, /spec: unknown field "rule"/],
    ['an unknown rule field', rule({ port: 80 }), /spec\.rules\[0\]: unknown field "port"/],
    ['an unknown input field', { input: { default: 'deny' } }, /spec\.input: unknown field "default"/],
    [
      'a rule without action',
      { rules: [{ protocol: 'tcp' }] },
      /spec\.rules\[0\]: must have required property 'action'/,
    ],
    ['an unknown action', rule({ action: 'drop' }), /spec\.rules\[0\]\.action: must be one of allow, deny, reject/],
    ['an unknown default', { defaultAction: 'accept' }, /spec\.defaultAction: must be one of allow, deny, reject/],
    [
      'an unknown protocol',
      rule({ protocol: 'sctp' }),
      /spec\.rules\[0\]\.protocol: must be one of tcp, udp, icmp, any/,
    ],
    ['a negative order', { order: -1 }, /spec\.order: must be >= 0/],
    ['an order too large', { order: 1000001 }, /spec\.order: must be <= 1000000/],
    ['a fractional order', { order: 1.5 }, /spec\.order: must be integer/],
    [
      'port 0',
      rule({ protocol: 'tcp', destinationPorts: [0] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]: must be >= 1/,
    ],
    [
      'port 65536',
      rule({ protocol: 'tcp', destinationPorts: [65536] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]: must be <= 65535/,
    ],
    [
      'a range reaching 0',
      rule({ protocol: 'tcp', destinationPorts: ['0-80'] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]: 0-80 is outside 1-65535/,
    ],
    [
      'a range past 65535',
      rule({ protocol: 'udp', destinationPorts: ['60000-70000'] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]: 60000-70000 is outside 1-65535/,
    ],
    [
      'a reversed range',
      { rules: [{ action: 'deny' }, { action: 'allow', protocol: 'tcp', destinationPorts: [80, '9000-8000'] }] },
      /^spec\.rules\[1\]\.destinationPorts\[1\]: 9000-8000 is reversed$/m,
    ],
    [
      'overlapping ports in one rule',
      rule({ protocol: 'tcp', destinationPorts: ['8000-8100', 443, 8080] }),
      /spec\.rules\[0\]\.destinationPorts\[2\]: 8080 overlaps spec\.rules\[0\]\.destinationPorts\[0\] \(8000-8100\)/,
    ],
    ['duplicate ports', rule({ protocol: 'tcp', destinationPorts: [80, 80] }), /spec\.rules\[0\]\.destinationPorts/],
    [
      'ports with protocol any',
      rule({ destinationPorts: [80] }),
      /spec\.rules\[0\]\.destinationPorts: only valid with protocol tcp or udp \(protocol is any\)/,
    ],
    [
      'ports with protocol icmp',
      { input: { rules: [{ action: 'allow', protocol: 'icmp', destinationPorts: [8] }] } },
      /spec\.input\.rules\[0\]\.destinationPorts: only valid with protocol tcp or udp \(protocol is icmp\)/,
    ],
    [
      'a port as a word',
      rule({ protocol: 'tcp', destinationPorts: ['http'] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]/,
    ],
    [
      'a port as a float',
      rule({ protocol: 'tcp', destinationPorts: [80.5] }),
      /spec\.rules\[0\]\.destinationPorts\[0\]/,
    ],
    ['an empty port list', rule({ protocol: 'tcp', destinationPorts: [] }), /spec\.rules\[0\]\.destinationPorts/],
    ['an empty source list', rule({ sourceCidrs: [] }), /spec\.rules\[0\]\.sourceCidrs/],
    ['an address instead of a CIDR', rule({ sourceCidrs: ['10.0.0.1'] }), /spec\.rules\[0\]\.sourceCidrs\[0\]/],
    [
      'host bits set',
      rule({ destinationCidrs: ['10.0.0.1/16'] }),
      /spec\.rules\[0\]\.destinationCidrs\[0\]: 10\.0\.0\.1\/16 has host bits set; did you mean 10\.0\.0\.0\/16\?/,
    ],
    [
      'overlapping CIDRs in one list',
      { input: { rules: [{ action: 'allow', sourceCidrs: ['10.0.0.0/16', '10.0.1.0/24'] }] } },
      /spec\.input\.rules\[0\]\.sourceCidrs\[1\]: 10\.0\.1\.0\/24 overlaps spec\.input\.rules\[0\]\.sourceCidrs\[0\]/,
    ],
    ['a comment too long', rule({ comment: 'a'.repeat(129) }), /spec\.rules\[0\]\.comment/],
    ['an empty comment', rule({ comment: '' }), /spec\.rules\[0\]\.comment/],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw).join('\n')).toMatch(message);
  });

  it.each([
    ['a quote and a command', 'x"; flush ruleset'],
    ['a semicolon', 'allow; flush ruleset'],
    ['a newline', 'web\nflush ruleset'],
    ['a trailing newline', 'web\n'],
    ['an opening brace', 'web { drop }'],
    ['a closing brace', 'web}'],
    ['a hash (nft comment)', 'web # x'],
    ['a single quote', "it's"],
    ['a backslash', 'a\\nb'],
    ['a dollar (nft variable)', '$evil'],
    ['a leading space', ' web'],
    ['a non-ASCII letter', 'wéb'],
  ])('rejects a comment with %s, naming the field', (_what, comment) => {
    expect(errorsOf({ rules: [{ action: 'allow' }, { action: 'deny', comment }] }).join('\n')).toMatch(
      /^spec\.rules\[1\]\.comment: must match pattern/m,
    );
  });

  it.each([
    ['a CIDR followed by nft syntax', { sourceCidrs: ['10.0.0.0/8 } ; flush ruleset'] }, /sourceCidrs\[0\]/],
    [
      'a port range followed by a statement',
      { protocol: 'tcp', destinationPorts: ['80-90 accept'] },
      /destinationPorts\[0\]/,
    ],
    ['an action carrying a verdict', { action: 'allow; drop' }, /action/],
    ['a protocol carrying a statement', { protocol: 'tcp\ncounter' }, /protocol/],
  ])('rejects %s', (_what, over, field) => {
    expect(errorsOf(rule(over)).join('\n')).toMatch(field);
  });

  it('rejects a rule that would compile to too many set elements, naming it', () => {
    const cidrs = (n: number, second: number): string[] =>
      Array.from({ length: n }, (_, i) => `10.${second}.${i}.0/24`);
    const big = rule({ sourceCidrs: cidrs(100, 1), destinationCidrs: cidrs(50, 2) });
    expect(errorsOf(big)).toEqual([
      `spec.rules[0]: sources × destinations × ports is 5000 set elements, over ${MAX_ELEMENTS_PER_RULE}; split the rule`,
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(errorsOf([])).toEqual(['spec: must be object']);
    expect(errorsOf(null)).toEqual(['spec: must be object']);
  });

  it('reports every problem at once, in forward and input rules', () => {
    const errors = errorsOf({
      rules: [{ action: 'allow', sourceCidrs: ['10.0.0.1/8'], protocol: 'tcp', destinationPorts: ['90-80'] }],
      input: { rules: [{ action: 'deny', protocol: 'icmp', destinationPorts: [1] }] },
    });
    expect(errors).toEqual([
      'spec.rules[0].sourceCidrs[0]: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?',
      'spec.rules[0].destinationPorts[0]: 90-80 is reversed',
      'spec.input.rules[0].destinationPorts: only valid with protocol tcp or udp (protocol is icmp)',
    ]);
  });

  it('does not modify the input while applying defaults', () => {
    const raw = { rules: [{ action: 'allow' }] };
    validateFirewallPolicySpec(raw);
    expect(raw).toEqual({ rules: [{ action: 'allow' }] });
  });
});
