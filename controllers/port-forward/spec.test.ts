import { describe, expect, it } from '@jest/globals';
import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { validatePortForwardSpec } from './spec.js';

function errorsOf(raw: unknown): string[] {
  const result = validatePortForwardSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

const one = (over: Record<string, unknown>): unknown => ({
  rules: [{ listenPort: 8080, destinationIp: '10.0.1.5', ...over }],
});

describe('validatePortForwardSpec: valid specs', () => {
  it('applies the defaults: tcp, masquerade', () => {
    expect(validatePortForwardSpec({ rules: [{ listenPort: 8080, destinationIp: '10.0.1.5' }] })).toEqual({
      ok: true,
      value: { rules: [{ listenPort: 8080, destinationIp: '10.0.1.5', protocol: 'tcp', masquerade: true }] },
    });
  });

  it('accepts the documented example, adding only defaults', () => {
    const result = validatePortForwardSpec(portForwardKind.example.spec);
    expect(result.ok).toBe(true);
    expect(result).toMatchObject({ value: portForwardKind.example.spec });
  });

  it('accepts every field, a one-port range, the port limits and 1000 rules', () => {
    const full = {
      listenPortRange: '1-65535',
      protocol: 'udp',
      destinationIp: '192.168.7.7',
      allowedSourceCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      masquerade: false,
      description: 'Game servers (EU), see ops/net: ports=range + udp@edge',
    };
    expect(validatePortForwardSpec({ rules: [full] })).toEqual({ ok: true, value: { rules: [full] } });
    expect(validatePortForwardSpec(one({ listenPortRange: undefined, destinationPort: 65535 })).ok).toBe(true);
    expect(validatePortForwardSpec({ rules: [{ listenPortRange: '9000-9000', destinationIp: '10.0.0.1' }] }).ok).toBe(
      true,
    );
    const many = Array.from({ length: 1000 }, (_, i) => ({ listenPort: i + 1, destinationIp: '10.0.0.1' }));
    expect(validatePortForwardSpec({ rules: many }).ok).toBe(true);
  });

  it('allows one port of tcp and udp, and rules sharing a target with the same masquerade', () => {
    const spec = {
      rules: [
        { listenPort: 53, destinationIp: '10.0.0.2' },
        { listenPort: 53, protocol: 'udp', destinationIp: '10.0.0.2' },
        { listenPort: 5353, destinationIp: '10.0.0.2', destinationPort: 53 },
      ],
    };
    expect(validatePortForwardSpec(spec).ok).toBe(true);
  });
});

describe('validatePortForwardSpec: each invalid case names the field', () => {
  it.each([
    ['no rules field', {}, /spec: must have required property 'rules'/],
    ['an empty rules list', { rules: [] }, /spec\.rules: must NOT have fewer than 1 items/],
    ['an unknown top-level field', { rules: [], table: 'x' }, /spec: unknown field "table"/],
    ['an unknown rule field', one({ toPort: 80 }), /spec\.rules\[0\]: unknown field "toPort"/],
    [
      'a missing destination',
      { rules: [{ listenPort: 80 }] },
      /spec\.rules\[0\]: must have required property 'destinationIp'/,
    ],
    [
      'neither listen field',
      { rules: [{ destinationIp: '10.0.0.1' }] },
      /spec\.rules\[0\]: must match exactly one schema in oneOf/,
    ],
    [
      'both listen fields',
      one({ listenPortRange: '80-90' }),
      /spec\.rules\[0\]: must match exactly one schema in oneOf/,
    ],
    ['port 0', one({ listenPort: 0 }), /spec\.rules\[0\]\.listenPort: must be >= 1/],
    ['port 65536', one({ destinationPort: 65536 }), /spec\.rules\[0\]\.destinationPort: must be <= 65535/],
    ['a fractional port', one({ listenPort: 80.5 }), /spec\.rules\[0\]\.listenPort: must be integer/],
    ['a port as a string', one({ listenPort: '80' }), /spec\.rules\[0\]\.listenPort: must be integer/],
    ['an unknown protocol', one({ protocol: 'sctp' }), /spec\.rules\[0\]\.protocol: must be one of tcp, udp/],
    ['masquerade as a string', one({ masquerade: 'no' }), /spec\.rules\[0\]\.masquerade: must be boolean/],
    [
      'a range above 65535',
      { rules: [{ listenPortRange: '65000-65536', destinationIp: '10.0.0.1' }] },
      /spec\.rules\[0\]\.listenPortRange: must match pattern/,
    ],
    [
      'a range with spaces',
      { rules: [{ listenPortRange: '80 - 90', destinationIp: '10.0.0.1' }] },
      /spec\.rules\[0\]\.listenPortRange: must match pattern/,
    ],
    [
      'a CIDR as destination',
      one({ destinationIp: '10.0.1.0/24' }),
      /spec\.rules\[0\]\.destinationIp: must match pattern/,
    ],
    [
      'an address as a source',
      one({ allowedSourceCidrs: ['203.0.113.7'] }),
      /spec\.rules\[0\]\.allowedSourceCidrs\[0\]: must match pattern/,
    ],
    [
      'an empty source list',
      one({ allowedSourceCidrs: [] }),
      /spec\.rules\[0\]\.allowedSourceCidrs: must NOT have fewer than 1 items/,
    ],
    ['an empty description', one({ description: '' }), /spec\.rules\[0\]\.description/],
    [
      'a 129-character description',
      one({ description: 'a'.repeat(129) }),
      /spec\.rules\[0\]\.description: must NOT have more than 128 characters/,
    ],
    [
      '1001 rules',
      { rules: Array.from({ length: 1001 }, (_, i) => ({ listenPort: i + 1, destinationIp: '10.0.0.1' })) },
      /spec\.rules: must NOT have more than 1000 items/,
    ],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw).join('\n')).toMatch(message);
  });

  it.each([
    [
      'a reversed range',
      { rules: [{ listenPortRange: '9000-8000', destinationIp: '10.0.0.1' }] },
      'spec.rules[0].listenPortRange: 9000-8000 is reversed',
    ],
    [
      'destinationPort with a range',
      { rules: [{ listenPortRange: '8000-8010', destinationIp: '10.0.0.1', destinationPort: 80 }] },
      'spec.rules[0].destinationPort: not allowed with listenPortRange, which keeps each port',
    ],
    [
      'a loopback target',
      one({ destinationIp: '127.0.0.1' }),
      'spec.rules[0].destinationIp: 127.0.0.1 is not a unicast host address',
    ],
    [
      'a multicast target',
      one({ destinationIp: '224.0.0.251' }),
      'spec.rules[0].destinationIp: 224.0.0.251 is not a unicast host address',
    ],
    [
      'the broadcast address',
      one({ destinationIp: '255.255.255.255' }),
      'spec.rules[0].destinationIp: 255.255.255.255 is not a unicast host address',
    ],
    [
      '0.0.0.0',
      one({ destinationIp: '0.0.0.0' }),
      'spec.rules[0].destinationIp: 0.0.0.0 is not a unicast host address',
    ],
    [
      'source host bits',
      one({ allowedSourceCidrs: ['203.0.113.7/24'] }),
      'spec.rules[0].allowedSourceCidrs[0]: 203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?',
    ],
    [
      'overlapping sources',
      one({ allowedSourceCidrs: ['10.0.0.0/8', '10.1.0.0/16'] }),
      'spec.rules[0].allowedSourceCidrs[1]: 10.1.0.0/16 overlaps spec.rules[0].allowedSourceCidrs[0] (10.0.0.0/8)',
    ],
  ])('rejects %s', (_what, raw, message) => {
    expect(errorsOf(raw)).toEqual([message]);
  });

  it('rejects two rules claiming one protocol and port, naming the later rule and the earlier one', () => {
    const spec = {
      rules: [
        { listenPortRange: '8000-8010', destinationIp: '10.0.0.1' },
        { listenPort: 9000, destinationIp: '10.0.0.2' },
        { listenPort: 8005, destinationIp: '10.0.0.3' },
        { listenPortRange: '8999-9001', protocol: 'udp', destinationIp: '10.0.0.4' },
        { listenPortRange: '8990-9000', destinationIp: '10.0.0.5' },
      ],
    };
    expect(errorsOf(spec)).toEqual([
      'spec.rules[2].listenPort: tcp 8005 is already claimed by spec.rules[0] (tcp 8000-8010)',
      'spec.rules[4].listenPortRange: tcp 8990-9000 is already claimed by spec.rules[1] (tcp 9000)',
    ]);
  });

  it('rejects rules that reach one target but disagree on masquerade', () => {
    const spec = {
      rules: [
        { listenPortRange: '8000-8010', destinationIp: '10.0.0.1' },
        { listenPort: 9000, destinationIp: '10.0.0.1', destinationPort: 8005, masquerade: false },
        { listenPort: 9001, destinationIp: '10.0.0.1', destinationPort: 8005, protocol: 'udp', masquerade: false },
      ],
    };
    expect(errorsOf(spec)).toEqual([
      'spec.rules[1].masquerade: false differs from spec.rules[0], which also forwards to 10.0.0.1 tcp 8005; after translation the gateway cannot tell their connections apart',
    ]);
  });

  it.each([
    ['a semicolon', '10.0.0.1; flush ruleset'],
    ['a newline', '10.0.0.1\nflush ruleset'],
    ['a trailing newline', '10.0.0.1\n'],
    ['a quote', '10.0.0.1"'],
    ['a brace', '10.0.0.1 }'],
  ])('rejects a destinationIp with %s', (_what, value) => {
    expect(errorsOf(one({ destinationIp: value })).join('\n')).toMatch(
      /^spec\.rules\[0\]\.destinationIp: must match pattern/,
    );
  });

  it.each([
    ['a semicolon', '8000-8010; flush ruleset'],
    ['a newline', '8000-8010\n'],
    ['a set', '{ 80, 443 }'],
  ])('rejects a listenPortRange with %s', (_what, value) => {
    const raw = { rules: [{ listenPortRange: value, destinationIp: '10.0.0.1' }] };
    expect(errorsOf(raw).join('\n')).toMatch(/^spec\.rules\[0\]\.listenPortRange: must match pattern/);
  });

  it.each([
    ['a double quote', 'web "server"'],
    ['a single quote', "bob's box"],
    ['a newline', 'web\nserver'],
    ['a semicolon', 'web; flush ruleset'],
    ['a hash (nft comment)', 'web # x'],
    ['a backslash', 'web\\n'],
    ['a brace', 'web }'],
  ])('rejects a description with %s', (_what, value) => {
    expect(errorsOf(one({ description: value })).join('\n')).toMatch(
      /^spec\.rules\[0\]\.description: must match pattern/,
    );
  });

  it('rejects a source CIDR carrying nft syntax', () => {
    expect(errorsOf(one({ allowedSourceCidrs: ['0.0.0.0/0 } ; flush ruleset'] })).join('\n')).toMatch(
      /spec\.rules\[0\]\.allowedSourceCidrs\[0\]: must match pattern/,
    );
  });

  it('reports rule errors before overlap errors, and every rule error at once', () => {
    const spec = {
      rules: [
        { listenPortRange: '9000-8000', destinationIp: '10.0.0.1' },
        { listenPort: 8500, destinationIp: '127.0.0.2' },
      ],
    };
    expect(errorsOf(spec)).toEqual([
      'spec.rules[0].listenPortRange: 9000-8000 is reversed',
      'spec.rules[1].destinationIp: 127.0.0.2 is not a unicast host address',
    ]);
  });

  it('does not modify the input while applying defaults', () => {
    const raw = { rules: [{ listenPort: 1, destinationIp: '10.0.0.1' }] };
    validatePortForwardSpec(raw);
    expect(raw).toEqual({ rules: [{ listenPort: 1, destinationIp: '10.0.0.1' }] });
  });
});
