import { describe, expect, it } from '@jest/globals';
import { findKind } from '../../crds-equivalent/index.js';
import { SpecValidator } from '../../runtime/spec-validation.js';
import { ipsScenarios, policyManifests, specRule, SPEC_BYTES_MAX } from './ips-scenarios.js';
import { firewallRules } from './rule-gen.js';

const firewallKind = findKind('FirewallPolicy')!;
const ipsKind = findKind('IntrusionPrevention')!;
const validator = new SpecValidator([firewallKind, ipsKind]);

describe('policyManifests', () => {
  const rules = firewallRules(1000, 42, { avoid: ['10.200.0.0/16'] });
  const manifests = policyManifests({ rules, defaultAction: 'allow' });

  it('keeps every rule, in order, over resources that each fit an SSM parameter', () => {
    expect(manifests.length).toBeGreaterThan(1);
    for (const m of manifests) expect(JSON.stringify(m.spec).length).toBeLessThan(SPEC_BYTES_MAX);
    expect(manifests.flatMap((m) => m.spec.rules as unknown[])).toEqual(rules.map(specRule));
    expect(manifests.map((m) => m.spec.order)).toEqual(manifests.map((_, i) => 1000 + i));
    expect(manifests.map((m) => m.spec.defaultAction)).toEqual(['allow', ...manifests.slice(1).map(() => undefined)]);
  });

  it('gives specs the FirewallPolicy schema admits (single ports as numbers, ranges as "a-b")', () => {
    const errors = manifests.flatMap((m) => {
      const v = validator.validate(firewallKind, m.spec);
      return v.ok ? [] : v.errors;
    });
    expect(errors).toEqual([]);
    const ports = rules.flatMap((r) => r.ports);
    expect(ports.some((p) => p.first === p.last) && ports.some((p) => p.first !== p.last)).toBe(true);
  });
});

describe('ipsScenarios', () => {
  const base = { rules: 1000, cores: 2, ipsBase: { mode: 'prevent', packagedRules: ['*'] } };

  it('builds IPS specs the IntrusionPrevention schema admits, one worker per core in the per-core ones', () => {
    const all = ipsScenarios(['nat', 'firewall', 'ips-1q', 'ips-percore', 'ips-bypass'], {
      ...base,
      bypassAfterBytes: 1048576,
    });
    expect(all.map((s) => [s.name, s.firewall, s.ips?.queues])).toEqual([
      ['nat', false, undefined],
      ['firewall', true, undefined],
      ['ips-1q', true, 1],
      ['ips-percore', true, 2],
      ['ips-bypass', true, 2],
    ]);
    expect(all[4]!.ips?.bypass).toEqual({ afterBytes: 1048576 });
    for (const s of all.filter((x) => x.ips)) expect(validator.validate(ipsKind, s.ips)).toMatchObject({ ok: true });
  });

  it('leaves the bypass scenario out when the kind has no bypass, and refuses unknown names', () => {
    expect(ipsScenarios(['nat', 'ips-bypass'], base).map((s) => s.name)).toEqual(['nat']);
    expect(() => ipsScenarios(['nat', 'bogus'], base)).toThrow(/unknown scenario bogus/);
  });
});
