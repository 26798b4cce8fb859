import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import { portRange, validateForwardProxySpec } from './spec.js';

const DEFAULT_SAFE_PORTS = [80, 21, 443, 70, 210, '1025-65535', 280, 488, 591, 777];
const auth = (extra: Record<string, unknown> = {}, secretRef: Record<string, unknown> = { name: 'proxy-users' }) => ({
  authentication: { type: 'basic', secretRef, ...extra },
});

function errorsOf(raw: unknown): string[] {
  const result = validateForwardProxySpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

/** Every error stays on one line: errors reach status, events and logs. */
function expectOneLineEach(errors: readonly string[]): void {
  for (const error of errors) expect(error).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
}

describe('validateForwardProxySpec', () => {
  it('fills in the defaults of an empty spec', () => {
    expect(validateForwardProxySpec({})).toEqual({
      ok: true,
      value: { enable: true, port: 3128, connectPorts: [443], safePorts: DEFAULT_SAFE_PORTS },
    });
  });

  it('defaults the realm, the secret key and the cache settings when their objects are present', () => {
    const result = validateForwardProxySpec({ ...auth(), cache: {} });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        authentication: {
          type: 'basic',
          realm: 'Cloud Spectra proxy',
          secretRef: { name: 'proxy-users', key: 'htpasswd' },
        },
        cache: { enabled: true, memoryMb: 256, diskMb: 0, maxObjectSizeKb: 4096 },
      }),
    });
  });

  it('keeps values that are given', () => {
    const spec = {
      enable: false,
      port: 8080,
      listenAddress: '10.0.0.1',
      allowedClientCidrs: ['10.0.0.0/16', '192.168.0.0/24'],
      authentication: { type: 'basic', realm: 'Corp_proxy-1.0', secretRef: { name: 'u', key: 'k' } },
      cache: { enabled: false, memoryMb: 1, diskMb: 1048576, maxObjectSizeKb: 1 },
      bandwidth: { perClientKbps: 8, burstKb: 1 },
      connectPorts: [443, '8443-8444'],
      safePorts: ['1-65535'],
      domainFilters: ['corp-deny', 'corp.allow_1'],
    };
    expect(validateForwardProxySpec(spec)).toEqual({ ok: true, value: spec });
  });

  it('accepts the kind example', () => {
    expect(validateForwardProxySpec(forwardProxyKind.example.spec).ok).toBe(true);
  });

  it('does not modify its input', () => {
    const raw = { ...auth() };
    validateForwardProxySpec(raw);
    expect(raw).toEqual(auth());
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a reversed connect range', { connectPorts: ['443-80'] }, /^spec\.connectPorts\[0\]: 443-80 is reversed$/],
    ['a reversed safe range', { safePorts: [80, '2000-1999'] }, /^spec\.safePorts\[1\]: 2000-1999 is reversed$/],
    [
      'host bits',
      { allowedClientCidrs: ['10.0.0.5/16'] },
      /10\.0\.0\.5\/16 has host bits set; did you mean 10\.0\.0\.0\/16/,
    ],
    ['overlapping CIDRs', { allowedClientCidrs: ['10.0.0.0/8', '10.1.0.0/16'] }, /allowedClientCidrs\[1\].*overlaps/],
    ['port 0', { port: 0 }, /^spec\.port: must be >= 1$/],
    ['port 65536', { port: 65536 }, /^spec\.port: must be <= 65535$/],
    ['a port as a string', { port: '3128' }, /^spec\.port: must be integer$/],
    ['a range past 65535', { connectPorts: ['1-65536'] }, /spec\.connectPorts\[0\]/],
    ['a range of one number', { connectPorts: ['443'] }, /spec\.connectPorts\[0\]/],
    ['a range with spaces', { connectPorts: ['1 - 2'] }, /spec\.connectPorts\[0\]/],
    ['a duplicate port', { connectPorts: [443, 443] }, /duplicate items/],
    ['no connect ports', { connectPorts: [] }, /spec\.connectPorts: must NOT have fewer than 1/],
    ['an unknown field', { prot: 3128 }, /^spec: unknown field "prot"$/],
    ['an unknown cache field', { cache: { sizeMb: 1 } }, /^spec\.cache: unknown field "sizeMb"$/],
    ['an unknown auth type', { authentication: { type: 'digest', secretRef: { name: 'u' } } }, /must be one of basic/],
    ['no secretRef', { authentication: { type: 'basic' } }, /secretRef/],
    ['no secret name', auth({}, { key: 'htpasswd' }), /required property 'name'/],
    ['too little bandwidth', { bandwidth: { perClientKbps: 7 } }, /perClientKbps: must be >= 8/],
    ['a CIDR without a length', { allowedClientCidrs: ['10.0.0.0'] }, /allowedClientCidrs\[0\]: must match pattern/],
    ['an empty client list', { allowedClientCidrs: [] }, /must NOT have fewer than 1/],
  ])('refuses %s', (_, raw, message) => {
    const errors = errorsOf(raw);
    expect(errors).toContainEqual(expect.stringMatching(message));
    expectOneLineEach(errors);
  });

  it.each([
    ['a newline and a directive', 'x"\nhttp_access allow all'],
    ['a carriage return', 'Proxy\rauth_param basic program /bin/sh'],
    ['a double quote', 'x"y'],
    ['a comment', 'Proxy # x'],
    ['a percent macro', 'Proxy %s'],
    ['a backslash', 'Proxy\\'],
    ['a leading space', ' Proxy'],
    ['a NUL byte', 'Proxy\u0000'],
    ['non-ASCII', 'Prøxy'],
    ['65 characters', 'R'.repeat(65)],
    ['nothing', ''],
  ])('refuses a realm with %s', (_, realm) => {
    const errors = errorsOf(auth({ realm }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.authentication\.realm: must match pattern/));
    expectOneLineEach(errors);
  });

  const injections = [
    'x\nhttp_access allow all',
    'a b',
    '../../etc/passwd',
    'x"',
    "x'",
    'x;y',
    'x#y',
    '',
    'é',
    'x\u0000',
    'x\r',
    'x/y',
    'n'.repeat(129),
  ];

  it.each(injections)('refuses the secret name %j', (name) => {
    const errors = errorsOf(auth({}, { name }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.authentication\.secretRef\.name: must match/));
    expectOneLineEach(errors);
  });

  it.each(injections.filter((k) => k.length < 65))('refuses the secret key %j', (key) => {
    const errors = errorsOf(auth({}, { name: 'proxy-users', key }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.authentication\.secretRef\.key: must match/));
    expectOneLineEach(errors);
  });

  it.each(injections)('refuses the DomainFilter name %j', (name) => {
    const errors = errorsOf({ domainFilters: ['ok', name] });
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.domainFilters\[1\]: must match/));
    expectOneLineEach(errors);
  });

  it.each([
    'localhost',
    '0.0.0.0.0',
    '256.0.0.1',
    '10.0.0',
    '10.0.0.1/32',
    '10.0.0.1:3128',
    '::1',
    '010.0.0.1',
    ' 10.0.0.1',
    '10.0.0.1\n',
    '10.0.0.1\nhttp_access allow all',
  ])('refuses the listen address %j', (listenAddress) => {
    const errors = errorsOf({ listenAddress });
    expect(errors).toEqual([expect.stringMatching(/^spec\.listenAddress: must match pattern/)]);
    expectOneLineEach(errors);
  });

  it('accepts every port range in order and refuses every reversed one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (a, b) => {
        const result = validateForwardProxySpec({ connectPorts: [`${a}-${b}`] });
        expect(result.ok).toBe(a <= b);
        expect(portRange(`${a}-${b}`)).toEqual({ first: a, last: b });
      }),
    );
  });

  // Regression (runtime/spec-validation.ts formatError): an unknown field's name goes into the error unquoted, so a key
  // holding a newline splits the error (status message, event, log line) and can forge a following line.
  it('keeps an unknown field name with a newline on one line', () => {
    expectOneLineEach(errorsOf({ 'x\nhttp_access allow all': true }));
  });
});

describe('portRange', () => {
  it.each<[number | string, { first: number; last: number }]>([
    [443, { first: 443, last: 443 }],
    ['1025-65535', { first: 1025, last: 65535 }],
    ['80-80', { first: 80, last: 80 }],
  ])('%j -> %j', (spec, range) => {
    expect(portRange(spec)).toEqual(range);
  });
});
