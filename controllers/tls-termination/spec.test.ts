import { describe, expect, it } from '@jest/globals';
import { renewalCheckSeconds, validateTlsTerminationSpec } from './spec.js';

const BASE = {
  certificate: {
    acmCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  },
  backends: { default: { servers: [{ address: '10.0.1.10', port: 8080 }] } },
};

function errors(spec: unknown): string[] {
  const r = validateTlsTerminationSpec(spec);
  return r.ok ? [] : r.errors;
}

describe('validateTlsTerminationSpec', () => {
  it('applies the defaults: 443 and 80, redirect, TLS 1.2, h2 and http/1.1, HTTP mode, no PROXY protocol', () => {
    const r = validateTlsTerminationSpec(BASE);
    expect(r.ok && r.value).toMatchObject({
      listen: { httpsPort: 443, httpPort: 80 },
      redirectHttp: true,
      tlsPolicy: { minVersion: 'TLSv1.2' },
      alpn: ['h2', 'http/1.1'],
      forwardedHeaders: true,
      proxyProtocol: 'none',
      timeouts: { connectSeconds: 5, clientSeconds: 60, serverSeconds: 60, tunnelSeconds: 3600 },
    });
    expect(r.ok && renewalCheckSeconds(r.value.certificate)).toBe(3600);
  });

  it('offers h2 by default only in HTTP mode: in TCP mode the backend would get the h2 stream as is', () => {
    const tcp = validateTlsTerminationSpec({ ...BASE, forwardedHeaders: false });
    expect(tcp.ok && tcp.value.alpn).toEqual(['http/1.1']);
    const chosen = validateTlsTerminationSpec({ ...BASE, forwardedHeaders: false, alpn: ['h2', 'http/1.1'] });
    expect(chosen.ok && chosen.value.alpn).toEqual(['h2', 'http/1.1']);
  });

  it('takes a Secret or an ACM ARN, never both, and refuses a malformed ARN', () => {
    expect(errors({ ...BASE, certificate: { secretName: 'web-cert' } })).toEqual([]);
    expect(errors({ ...BASE, certificate: { ...BASE.certificate, secretName: 'x' } })).not.toEqual([]);
    expect(
      errors({ ...BASE, certificate: { acmCertificateArn: 'arn:aws:acm:eu-west-1:1:certificate/x\nbind' } }),
    ).not.toEqual([]);
  });

  it('takes servers or a LoadBalancer name as a backend', () => {
    expect(errors({ ...BASE, backends: { default: { loadBalancer: 'web-lb' } } })).toEqual([]);
    expect(errors({ ...BASE, backends: { default: { loadBalancer: 'web lb' } } })).not.toEqual([]);
    expect(errors({ ...BASE, backends: { default: { servers: [] } } })).not.toEqual([]);
  });

  it.each([
    ['ports', { listen: { httpsPort: 0 } }],
    ['addresses', { listen: { address: '10.0.0.256' } }],
    ['server addresses', { backends: { default: { servers: [{ address: '10.0.0.1 backup', port: 80 }] } } }],
    ['TLS versions', { tlsPolicy: { minVersion: 'SSLv3' } }],
    ['PROXY protocol versions', { proxyProtocol: 'v3' }],
  ])('refuses bad %s', (_, patch) => {
    expect(errors({ ...BASE, ...patch })).not.toEqual([]);
  });

  it.each([
    'API.example.com',
    'api.example.com\nbind :1',
    'api.example.com #',
    'a b.example.com',
    '*.*.example.com',
    'api.*.com',
    "api'.example.com",
    'api.example.com{',
    '-api.example.com',
    '*',
  ])('refuses the route host %j', (host) => {
    const spec = {
      ...BASE,
      backends: { ...BASE.backends, routes: [{ hosts: [host], backend: BASE.backends.default }] },
    };
    expect(errors(spec)).toEqual([expect.stringContaining('spec.backends.routes[0].hosts[0]')]);
  });

  it('takes exact and wildcard hosts, and refuses one host in two routes', () => {
    const route = (hosts: string[]) => ({ hosts, backend: BASE.backends.default });
    const ok = { ...BASE, backends: { ...BASE.backends, routes: [route(['api.example.com', '*.example.com'])] } };
    expect(errors(ok)).toEqual([]);
    const twice = {
      ...BASE,
      backends: { ...BASE.backends, routes: [route(['a.example.com']), route(['a.example.com'])] },
    };
    expect(errors(twice)).toEqual(['spec.backends.routes[1].hosts[0]: a.example.com is already routed by routes[0]']);
  });

  it.each([
    ['ciphers', 'ECDHE-RSA-AES128-GCM-SHA256 crt /etc/shadow'],
    ['ciphers', 'HIGH\n'],
    ['ciphers', 'HIGH#x'],
    ['ciphers', '"HIGH"'],
    ['ciphers', 'HIGH\\x'],
    ['ciphersuites', 'TLS_AES_128_GCM_SHA256 ssl'],
    ['ciphersuites', 'AES128'],
  ])('refuses the %s %j', (field, value) => {
    expect(errors({ ...BASE, tlsPolicy: { [field]: value } })).toEqual([
      expect.stringContaining(`spec.tlsPolicy.${field}`),
    ]);
  });

  it('accepts OpenSSL cipher list syntax', () => {
    expect(
      errors({
        ...BASE,
        tlsPolicy: { ciphers: 'HIGH:!aNULL:!MD5:@SECLEVEL=2', ciphersuites: 'TLS_AES_256_GCM_SHA384' },
      }),
    ).toEqual([]);
  });

  it('refuses ALPN ids with config syntax, and the same port for both listeners', () => {
    expect(errors({ ...BASE, alpn: ['h2 crt'] })).toEqual([expect.stringContaining('spec.alpn[0]')]);
    expect(errors({ ...BASE, listen: { httpsPort: 8443, httpPort: 8443 } })).toEqual([
      'spec.listen: httpPort and httpsPort are the same port',
    ]);
    expect(errors({ ...BASE, redirectHttp: false, listen: { httpsPort: 8443, httpPort: 8443 } })).toEqual([]);
  });
});
