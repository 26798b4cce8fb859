import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { domainFilterSpec, hostsAround, referenceMatches, smallDomain } from '../../testing/domain-arbitraries.js';
import { parseDomainPattern, patternCovers, patternMatches, type DomainPattern } from './pattern.js';
import { compileDomainPolicy, evaluateDomainPolicy, type DomainFilterSpec } from './policy.js';

const patternsOf = (filters: readonly DomainFilterSpec[], mode: 'allow' | 'deny'): DomainPattern[] =>
  filters.filter((f) => f.mode === mode).flatMap((f) => f.domains.map((d) => parseDomainPattern(d) as DomainPattern));

/** The policy's meaning, computed from the raw filters with the reference matcher. */
function referenceAllowed(filters: readonly DomainFilterSpec[], host: string): boolean {
  if (patternsOf(filters, 'deny').some((p) => referenceMatches(p, host))) return false;
  if (!filters.some((f) => f.mode === 'allow')) return true;
  return patternsOf(filters, 'allow').some((p) => referenceMatches(p, host));
}

describe('compileDomainPolicy', () => {
  it('has no allow list when no allow filter is referenced', () => {
    expect(compileDomainPolicy([])).toEqual({ deny: [] });
    expect(compileDomainPolicy([{ mode: 'deny', domains: ['a.com'] }])).toEqual({
      deny: [{ match: 'exact', domain: 'a.com' }],
    });
    expect(compileDomainPolicy([{ mode: 'deny', domains: ['a.com'] }])).not.toHaveProperty('allow');
  });

  it('unions the allow lists and the deny lists, each minimised', () => {
    const policy = compileDomainPolicy([
      { mode: 'allow', domains: ['www.example.com', 'b.org'] },
      { mode: 'deny', domains: ['*.ads.example.com', 'tracker.net'] },
      { mode: 'allow', domains: ['.example.com', 'B.ORG'] },
      { mode: 'deny', domains: ['x.ads.example.com'] },
    ]);
    expect(policy).toEqual({
      allow: [
        { match: 'exact', domain: 'b.org' },
        { match: 'suffix', domain: 'example.com' },
      ],
      deny: [
        { match: 'subdomains', domain: 'ads.example.com' },
        { match: 'exact', domain: 'tracker.net' },
      ],
    });
  });

  it('keeps an (empty) allow list when every allow filter is empty after parsing: nothing passes', () => {
    const policy = compileDomainPolicy([{ mode: 'allow', domains: ['not a domain'] }]);
    expect(policy).toEqual({ deny: [], allow: [] });
    expect(evaluateDomainPolicy(policy, 'example.com').allowed).toBe(false);
  });

  it('leaves every compiled list free of patterns covered by another in the same list', () => {
    fc.assert(
      fc.property(fc.array(domainFilterSpec(), { maxLength: 5 }), (filters) => {
        const policy = compileDomainPolicy(filters);
        for (const list of [policy.deny, policy.allow ?? []]) {
          const pairs = list.flatMap((outer, i) =>
            list.filter((_, j) => j !== i).map((inner): [DomainPattern, DomainPattern] => [outer, inner]),
          );
          for (const [outer, inner] of pairs) expect(patternCovers(outer, inner)).toBe(false);
        }
      }),
    );
  });
});

describe('evaluateDomainPolicy', () => {
  const policy = compileDomainPolicy([
    { mode: 'allow', domains: ['.example.com'] },
    { mode: 'allow', domains: ['api.partner.net'] },
    { mode: 'deny', domains: ['*.ads.example.com', 'secret.example.com'] },
  ]);

  it.each([
    ['example.com', true, 'allowed by .example.com'],
    ['WWW.Example.com.', true, 'allowed by .example.com'],
    ['api.partner.net', true, 'allowed by api.partner.net'],
    ['ads.example.com', true, 'allowed by .example.com'],
    ['x.ads.example.com', false, 'denied by *.ads.example.com'],
    ['secret.example.com', false, 'denied by secret.example.com'],
    ['www.partner.net', false, 'not on any allow list'],
    ['example.org', false, 'not on any allow list'],
  ])('%s -> allowed %s (%s)', (host, allowed, reason) => {
    expect(evaluateDomainPolicy(policy, host)).toEqual({ allowed, reason });
  });

  it('allows every name not denied when there is no allow list', () => {
    const denyOnly = compileDomainPolicy([{ mode: 'deny', domains: ['.bad.example'] }]);
    expect(evaluateDomainPolicy(denyOnly, 'good.example')).toEqual({
      allowed: true,
      reason: 'no deny pattern matches',
    });
    expect(evaluateDomainPolicy(denyOnly, 'a.bad.example').allowed).toBe(false);
  });

  it('lets deny win over an allow list naming the same host', () => {
    const both = compileDomainPolicy([
      { mode: 'allow', domains: ['a.com'] },
      { mode: 'deny', domains: ['a.com'] },
    ]);
    expect(evaluateDomainPolicy(both, 'a.com')).toEqual({ allowed: false, reason: 'denied by a.com' });
  });

  it('agrees with the meaning of the raw filters for hosts around their patterns', () => {
    fc.assert(
      fc.property(fc.array(domainFilterSpec(), { maxLength: 5 }), fc.array(smallDomain()), (filters, extra) => {
        const compiled = compileDomainPolicy(filters);
        const all = [...patternsOf(filters, 'allow'), ...patternsOf(filters, 'deny')];
        for (const host of [...hostsAround(all), ...extra]) {
          expect([host, evaluateDomainPolicy(compiled, host).allowed]).toEqual([host, referenceAllowed(filters, host)]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names a pattern that matches the host as the reason', () => {
    fc.assert(
      fc.property(fc.array(domainFilterSpec(), { maxLength: 5 }), smallDomain(), (filters, host) => {
        const verdict = evaluateDomainPolicy(compileDomainPolicy(filters), host);
        const named = /^(?:allowed|denied) by (\S+)$/.exec(verdict.reason)?.[1];
        if (named === undefined) return;
        const pattern = parseDomainPattern(named) as DomainPattern;
        expect(patternMatches(pattern, host)).toBe(true);
        expect(verdict.allowed).toBe(verdict.reason.startsWith('allowed'));
        expect(patternsOf(filters, verdict.allowed ? 'allow' : 'deny')).toContainEqual(pattern);
      }),
    );
  });
});
