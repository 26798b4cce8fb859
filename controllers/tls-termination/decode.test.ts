import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';
import { decodeTlsTerminations, listenerConflict, splitLeaf, type LoadBalancerLookup } from './decode.js';
import { validateTlsTerminationSpec } from './spec.js';

const backends = { default: { servers: [{ address: '10.0.1.10', port: 8080 }] } };

function resource(name: string, spec: Record<string, unknown>, modifiedAt: string): StoredResource {
  return {
    name,
    generation: 1,
    modifiedAt,
    value: JSON.stringify({ certificate: { secretName: 'cert' }, backends, ...spec }),
  };
}

const secret = (data: Record<string, string>): StoredResource => ({
  name: 'cert',
  generation: 4,
  value: JSON.stringify({ data }),
});

function decode(resources: StoredResource[], secrets: StoredResource[] = [], loadBalancers?: LoadBalancerLookup) {
  const snapshot: KindSnapshot = { kind: 'TlsTermination', resources, related: { Secret: secrets } };
  const admission = new ResourceAdmission(validateTlsTerminationSpec, listenerConflict);
  const result = decodeTlsTerminations(snapshot, admission, loadBalancers);
  if (!result.ok) throw new Error('decode failed');
  return result;
}

describe('decodeTlsTerminations', () => {
  it('admits resources on different ports, and rejects the newer of two on the same one', () => {
    const r = decode([
      resource('a', {}, '2026-01-01T00:00:00Z'),
      resource('b', { listen: { httpsPort: 8443, httpPort: 8080 } }, '2026-01-02T00:00:00Z'),
      resource('c', { listen: { address: '10.0.0.5' } }, '2026-01-03T00:00:00Z'),
    ]);
    expect(r.desired.spec.targets.map((t) => t.name)).toEqual(['a', 'b']);
    expect(r.ignored).toEqual([
      { name: 'c', reason: expect.stringContaining('port 443 is already served by TlsTermination a') },
    ]);
  });

  it('rejects a name that cannot name a certificate file', () => {
    const r = decode([resource('a..b', {}, '2026-01-01T00:00:00Z')]);
    expect(r.ignored[0]?.reason).toContain('cannot name a file');
  });

  it('reads the PEM pair from the Secret, and hides it when serialised', () => {
    const r = decode([resource('a', {}, '1')], [secret({ certificate: 'CERT', privateKey: 'KEY-MATERIAL' })]);
    const origin = r.desired.spec.targets[0]!.certificate;
    expect('secret' in origin && origin.secret.material.material).toEqual({
      certificatePem: 'CERT',
      chainPem: '',
      privateKeyPem: 'KEY-MATERIAL',
    });
    expect(JSON.stringify(r.desired)).not.toContain('KEY-MATERIAL');
  });

  it('splits the leaf from the chain that follows it in the certificate value', () => {
    const block = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(splitLeaf(`\n${block('LEAF')}\n${block('CA1')}\n${block('CA2')}\n`)).toEqual({
      certificatePem: `${block('LEAF')}\n`,
      chainPem: `${block('CA1')}\n${block('CA2')}`,
    });
    expect(splitLeaf(`${block('LEAF')}\n`)).toEqual({ certificatePem: `${block('LEAF')}\n`, chainPem: '' });
    // Something before the leaf: left whole, for the certificate check to refuse.
    expect(splitLeaf(`junk\n${block('LEAF')}`)).toEqual({ certificatePem: `junk\n${block('LEAF')}`, chainPem: '' });
  });

  it('leaves a resource waiting, not rejected, when its Secret lacks a key', () => {
    const r = decode([resource('a', {}, '1')], [secret({ certificate: 'CERT' })]);
    expect(r.desired.spec.targets[0]!.certificate).toEqual({ unresolved: 'Secret cert has no key privateKey' });
  });

  it('turns *.domain into a one-label match, and marks a LoadBalancer backend it cannot resolve', () => {
    const routes = [{ hosts: ['*.example.com', 'example.com'], backend: { loadBalancer: 'lb' } }];
    const t = decode([resource('a', { backends: { ...backends, routes } }, '1')]).desired.spec.targets[0]!;
    expect(t.routes[0]!.hosts).toEqual([{ oneLabelBelow: 'example.com' }, { exact: 'example.com' }]);
    expect(t.backendError).toMatch(/spec\.backends\.routes\[0\]\.backend: LoadBalancer backends need/);
  });

  it('serves a LoadBalancer backend that stopped resolving with its last listener, and says so', () => {
    const server = { address: '10.0.0.5', port: 8443 };
    const stale: LoadBalancerLookup = () => ({ server, unresolved: 'LoadBalancer lb does not exist' });
    const spec = { backends: { default: { loadBalancer: 'lb' } } };
    const t = decode([resource('a', spec, '1')], [], stale).desired.spec.targets[0]!;
    expect(t.defaultServers).toEqual([server]);
    expect(t.backendError).toBeUndefined();
    expect(t.backendStale).toBe(
      'spec.backends.default: LoadBalancer lb does not exist; still sending to its last listener 10.0.0.5:8443',
    );
  });
});
