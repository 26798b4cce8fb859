import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { decodeIntrusionPrevention } from './decode.js';
import type { IpsFacts } from './facts.js';
import { ipsPaths } from './paths.js';
import { validateIntrusionPreventionSpec } from './spec.js';
import { validateRuleSetSpec } from './rule-set.js';

const paths = ipsPaths('/var/lib/csgw');
const facts: IpsFacts = {
  paths,
  revisionDir: (hash) => `${paths.configRoot}/rev-${hash}`,
  vpcCidrs: ['10.0.0.0/16'],
  cores: 2,
  packaged: () => ({
    files: [{ name: 'http-events.rules', content: 'alert http any any -> any any (msg:"x"; sid:2221000; rev:1;)\n' }],
    classificationFile: '/etc/suricata/classification.config',
    referenceFile: '/etc/suricata/reference.config',
  }),
};

const DROP = 'drop http any any -> any any (msg:"blocked path"; http.uri; content:"/blocked"; sid:1000001; rev:1;)';
const res = (name: string, value: unknown, generation = 1): StoredResource => ({
  name,
  generation,
  value: JSON.stringify(value),
});

function snapshot(spec: unknown, related: Record<string, StoredResource[]> = {}): KindSnapshot {
  return { kind: 'IntrusionPrevention', resources: [res('default', spec, 3)], related };
}

function decoded(spec: unknown, related: Record<string, StoredResource[]> = {}) {
  const result = decodeIntrusionPrevention(snapshot(spec, related), facts);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.desired;
}

function errors(spec: unknown, related: Record<string, StoredResource[]> = {}): string {
  const result = decodeIntrusionPrevention(snapshot(spec, related), facts);
  if (result.ok) throw new Error('expected a rejection');
  return result.errors.join('\n');
}

describe('decodeIntrusionPrevention', () => {
  it('no resource: nothing wanted', () => {
    const result = decodeIntrusionPrevention({ kind: 'IntrusionPrevention', resources: [] }, facts);
    expect(result).toMatchObject({ ok: true, desired: { spec: { enabled: false } } });
  });

  it('defaults: prevent, fail open, one queue per core, all forwarded traffic', () => {
    const d = decoded({ rules: [DROP] });
    expect(d.spec).toMatchObject({ enabled: true, mode: 'prevent', failureMode: 'failOpen' });
    expect(d.spec.queue).toEqual({ selectors: [], first: 0, count: 2, bypass: true });
    expect(d.spec.revision?.args).toEqual(['-q', '0', '-q', '1']);
    expect(d.spec.revision?.files.find((f) => f.name === 'local.rules')?.content).toContain(DROP);
  });

  it('loads the RuleSets and DomainFilters it names, and says where its rules came from', () => {
    const d = decoded(
      { ruleSets: ['web'], domainFilters: ['deny'], packagedRules: ['http-events.rules'] },
      {
        RuleSet: [res('web', { rules: [DROP] }, 7)],
        DomainFilter: [res('deny', { mode: 'deny', domains: ['.bad.example'] }, 2)],
      },
    );
    expect(d.spec.sources).toEqual({
      domainFilters: [{ name: 'deny', generation: 2, mode: 'deny' }],
      ruleSets: [{ name: 'web', generation: 7, rules: 1 }],
    });
    const names = d.spec.revision?.files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['suricata.yaml', 'local.rules', 'domains.rules', 'pkg-http-events.rules']),
    );
    expect(d.spec.revision?.files.find((f) => f.name === 'domains.rules')?.content).toContain('.bad.example');
  });

  it.each([
    ['a missing RuleSet', { ruleSets: ['nope'] }, {}, /RuleSet nope does not exist/],
    ['a missing DomainFilter', { domainFilters: ['nope'] }, {}, /DomainFilter nope does not exist/],
    ['a file the package does not ship', { packagedRules: ['emerging-all.rules'] }, {}, /not shipped .*http-events/],
    [
      'a sid used in the spec and in a RuleSet',
      { rules: [DROP], ruleSets: ['web'] },
      { RuleSet: [res('web', { rules: [DROP] })] },
      /sid 1000001 is already used by spec.rules\[0\]/,
    ],
    [
      'an invalid RuleSet',
      { ruleSets: ['web'] },
      { RuleSet: [res('web', { rules: ['alert tcp any any -> any any (msg:"x"; sid:5;) alert ip any any'] })] },
      /RuleSet web \(generation 1\)/,
    ],
  ])('rejects %s, naming it', (_, spec, related, message) => {
    expect(errors(spec, related as Record<string, StoredResource[]>)).toMatch(message);
  });

  it('flow bypass marks the queue rules and Suricata with the same bit', () => {
    const d = decoded({ rules: [DROP], bypass: { afterBytes: 65536 } });
    expect(d.spec.queue?.bypassMark).toBe(0x20000000);
    const yaml = d.spec.revision?.files.find((f) => f.name === 'suricata.yaml')?.content ?? '';
    expect(yaml).toContain('bypass-mark: 0x20000000');
    expect(yaml).toContain('depth: 65536');
    expect(yaml).not.toContain('encryption-handling');
    expect(decoded({ rules: [DROP] }).spec.queue).not.toHaveProperty('bypassMark');
  });

  it('a rule change is a reload; queues or the failure mode need a restart', () => {
    const a = decoded({ rules: [DROP] }).spec.revision!;
    const b = decoded({ rules: [DROP.replace('/blocked', '/other')] }).spec.revision!;
    const closed = decoded({ rules: [DROP], failureMode: 'failClosed' }).spec.revision!;
    const one = decoded({ rules: [DROP], queues: 1 }).spec.revision!;
    expect(b.hash).not.toBe(a.hash);
    expect(b.restartKey).toBe(a.restartKey);
    expect(closed.restartKey).not.toBe(a.restartKey);
    expect(one.hash).not.toBe(a.hash);
    expect(one.args).toEqual(['-q', '0']);
  });
});

describe('spec validation', () => {
  it.each([
    [
      { rules: ['alert tcp any any -> any any (msg:"a"; sid:1;)\nalert ip any any -> any any (msg:"b"; sid:2;)'] },
      /spec.rules\[0\]/,
    ],
    [{ rules: ['alert http any any -> any any (msg:"x"; lua:evil.lua; sid:3;)'] }, /lua/],
    [{ rules: ['alert http any any -> any any (msg:"x"; sid:9900001;)'] }, /9900001/],
    [{ inspect: [{ protocol: 'icmp', ports: [80] }] }, /ports need protocol tcp or udp/],
    [{ inspect: [{ protocol: 'tcp', ports: ['90-80'] }] }, /not a port range/],
    [{ suppress: [{ sid: 1, ip: '10.0.0.0/8' }] }, /ip needs track/],
    [{ disabledSids: [9900003] }, /spec.disabledSids: sid 9900003 is one of csgw's own/],
    [{ thresholds: [{ sid: 9900000, type: 'limit', track: 'by_src', count: 1, seconds: 60 }] }, /spec.thresholds/],
    [
      { inspect: [{ protocol: 'tcp', ports: ['1-2', '3-4', '5-6', '7-8', '9-10', '11-12', '13-14', '15-16'] }] },
      /16 port slots/,
    ],
  ])('refuses %j', (spec, message) => {
    const result = validateIntrusionPreventionSpec(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
  });

  it('a RuleSet is validated rule by rule', () => {
    expect(validateRuleSetSpec({ rules: [DROP] }).ok).toBe(true);
    const bad = validateRuleSetSpec({ rules: [DROP, 'drop http any any -> any any (msg:"x"; sid:1000001;)'] });
    expect(bad).toMatchObject({ ok: false });
  });
});
