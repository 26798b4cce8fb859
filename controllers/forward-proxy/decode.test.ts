import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { decodeForwardProxy, type ProxyDecodeFacts } from './decode.js';
import { proxyPaths } from './paths.js';

const paths = proxyPaths('/var/lib/csgw');
const facts: ProxyDecodeFacts = {
  paths,
  user: 'proxy',
  revisionDir: (hash) => `${paths.configRoot}/rev-${hash}`,
  vpcCidrs: ['10.0.0.0/16'],
};
// openssl passwd -apr1 -salt Bb1Jw5qQ 'correct horse battery staple'
const HASH = '$apr1$Bb1Jw5qQ$Wu7maM9PUeuL60avCcpNy0';

const resource = (name: string, spec: unknown, generation = 1): StoredResource => ({
  name,
  generation,
  value: JSON.stringify(spec),
});

function snapshot(
  spec: unknown,
  related: { filters?: StoredResource[]; secrets?: StoredResource[] } = {},
): KindSnapshot {
  return {
    kind: 'ForwardProxy',
    resources: spec === undefined ? [] : [resource('default', spec, 7)],
    related: { DomainFilter: related.filters ?? [], Secret: related.secrets ?? [] },
  };
}

const full = {
  enable: true,
  authentication: { type: 'basic', secretRef: { name: 'users' } },
  domainFilters: ['deny-ads', 'allow-corp'],
};
const refs = {
  filters: [
    resource('deny-ads', { mode: 'deny', domains: ['.ads.example', 'x.ads.example'] }, 3),
    resource('allow-corp', { mode: 'allow', domains: ['*.corp.example'] }, 4),
  ],
  secrets: [resource('users', { data: { htpasswd: `alice:${HASH}\n` } }, 9)],
};

describe('decodeForwardProxy', () => {
  it('renders a revision from the spec and the resources it names, and reports where they came from', () => {
    const d = decodeForwardProxy(snapshot(full, refs), facts);
    if (!d.ok) throw new Error(d.errors.join('; '));
    const { revision, sources } = d.desired.spec;
    expect(d.desired.generation).toBe(7);
    expect(sources).toEqual({
      domainFilters: [
        { name: 'deny-ads', generation: 3, mode: 'deny' },
        { name: 'allow-corp', generation: 4, mode: 'allow' },
      ],
      authentication: { secret: 'users', generation: 9, users: 1 },
    });
    const byName = new Map(revision?.files.map((f) => [f.name, f]));
    expect(byName.get('htpasswd')).toEqual({ name: 'htpasswd', content: `alice:${HASH}\n`, mode: 0o600 });
    const conf = byName.get('squid.conf')?.content ?? '';
    // Every side file is named by the revision's own directory, which is named by the content hash.
    expect(conf).toContain(`${paths.configRoot}/rev-${revision?.hash}/htpasswd`);
    expect(conf).toContain('acl csgw_clients src 10.0.0.0/16');
    expect(revision).toMatchObject({
      listen: '0.0.0.0:3128',
      ready: { http: { url: 'http://127.0.0.1:3128/squid-internal-mgr/info', fromAddress: '127.0.0.1' } },
      preflight: [{ portAvailable: { host: '0.0.0.0', port: 3128 } }],
    });
  });

  it('gives the same hash for the same inputs and another for any change', () => {
    const hash = (s: KindSnapshot): string | undefined => {
      const d = decodeForwardProxy(s, facts);
      return d.ok ? d.desired.spec.revision?.hash : undefined;
    };
    const base = hash(snapshot(full, refs));
    expect(hash(snapshot(full, refs))).toBe(base);
    const otherFilter = {
      ...refs,
      filters: [resource('deny-ads', { mode: 'deny', domains: ['b.example'] }), refs.filters[1]!],
    };
    expect(hash(snapshot(full, otherFilter))).not.toBe(base);
    expect(hash(snapshot({ ...full, port: 8080 }, refs))).not.toBe(base);
  });

  it('rejects the generation when a reference is missing or invalid, naming it', () => {
    const missing = decodeForwardProxy(snapshot(full, { secrets: refs.secrets }), facts);
    expect(missing).toMatchObject({ ok: false, generation: 7 });
    expect(!missing.ok && missing.errors).toEqual([
      'spec.domainFilters: DomainFilter deny-ads does not exist',
      'spec.domainFilters: DomainFilter allow-corp does not exist',
    ]);
    const injected = {
      ...refs,
      filters: [resource('deny-ads', { mode: 'deny', domains: ['a.com\nhttp_access allow all'] }), refs.filters[1]!],
    };
    const bad = decodeForwardProxy(snapshot(full, injected), facts);
    expect(!bad.ok && bad.errors.join()).toContain('DomainFilter deny-ads (generation 1): spec.domains[0]');
  });

  it('never puts a secret value in an error', () => {
    const leaky = {
      secrets: [resource('users', { data: { htpasswd: 'alice:plain-password-123' } })],
      filters: refs.filters,
    };
    const d = decodeForwardProxy(snapshot(full, leaky), facts);
    expect(d.ok).toBe(false);
    expect(JSON.stringify(d)).not.toContain('plain-password-123');
    const noKey = decodeForwardProxy(
      snapshot({ ...full, authentication: { type: 'basic', secretRef: { name: 'users', key: 'other' } } }, refs),
      facts,
    );
    expect(!noKey.ok && noKey.errors).toEqual(['spec.authentication.secretRef: Secret users has no key other']);
  });

  it('defaults the clients to the VPC CIDRs, and needs them spelled out when none is known', () => {
    const d = decodeForwardProxy(snapshot({ enable: true }), { ...facts, vpcCidrs: [] });
    expect(!d.ok && d.errors).toEqual([
      'spec.allowedClientCidrs: required, as the operator knows no VPC CIDR (--vpc-cidr / CSGW_VPC_CIDRS)',
    ]);
  });

  it('wants nothing running when disabled or absent', () => {
    for (const s of [snapshot({ enable: false }), snapshot(undefined)]) {
      const d = decodeForwardProxy(s, facts);
      expect(d.ok && d.desired.spec).toEqual({ enabled: false, sources: { domainFilters: [] } });
    }
  });
});
