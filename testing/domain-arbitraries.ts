// fast-check arbitraries for DomainFilter patterns and the host names they are tested against.
import fc from 'fast-check';
import type { DomainMatch, DomainPattern } from '../policy/domains/pattern.js';
import type { DomainFilterSpec } from '../policy/domains/policy.js';

/** Labels from a small alphabet, so that generated patterns often nest, repeat and cover one another. */
export const smallLabel: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'c', 'com', 'example', 'xn--bcher-kva');

/** Any label parseDomainPattern accepts (1-63 letters, digits and inner hyphens, lower case). */
export const anyLabel: fc.Arbitrary<string> = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);

/** A label no domain drawn from smallLabel contains: a child made with it is a name no such pattern names. */
export const FRESH_LABEL = 'fresh-q9';

/** A domain of 1 to maxLabels labels from the small alphabet. */
export function smallDomain(maxLabels = 4): fc.Arbitrary<string> {
  return fc.array(smallLabel, { minLength: 1, maxLength: maxLabels }).map((labels) => labels.join('.'));
}

/** A syntactically valid domain of at most 253 characters, labels from the full label grammar; its top-level label is
 * never all digits (that would be an IP address, not a name). */
export const anyDomain: fc.Arbitrary<string> = fc
  .array(anyLabel, { minLength: 1, maxLength: 5 })
  .map((labels) => labels.join('.'))
  .filter((d) => d.length <= 253 && !/^\d+$/.test(d.split('.').at(-1) ?? ''));

export const domainMatch: fc.Arbitrary<DomainMatch> = fc.constantFrom('exact', 'suffix', 'subdomains');

/** Patterns over the small alphabet: nesting, duplicates and covering are frequent. */
export function smallPattern(maxLabels = 4): fc.Arbitrary<DomainPattern> {
  return fc.record({ match: domainMatch, domain: smallDomain(maxLabels) });
}

/** Patterns over the whole grammar. */
export const anyPattern: fc.Arbitrary<DomainPattern> = fc.record({ match: domainMatch, domain: anyDomain });

/** The strict parents of a domain: a.b.c -> [b.c, c]. */
export function parentsOf(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(1).map((_, i) => labels.slice(i + 1).join('.'));
}

/**
 * Host names around the given patterns: each domain, its parents, a child and a grandchild (one of them under a
 * label no pattern uses), so every boundary of exact, suffix and subdomains matching is probed.
 */
export function hostsAround(patterns: readonly DomainPattern[]): string[] {
  const hosts = patterns.flatMap((p) => [
    p.domain,
    ...parentsOf(p.domain),
    `a.${p.domain}`,
    `${FRESH_LABEL}.${p.domain}`,
    `${FRESH_LABEL}.b.${p.domain}`,
  ]);
  return [...new Set(hosts)];
}

/** A DomainFilter spec whose domains are written patterns (what validateDomainFilterSpec accepts). */
export function domainFilterSpec(maxPatterns = 6): fc.Arbitrary<DomainFilterSpec> {
  return fc.record({
    mode: fc.constantFrom('allow', 'deny'),
    domains: fc.array(smallPattern(3).map(writePattern), { minLength: 1, maxLength: maxPatterns }),
  });
}

/** How a pattern is written (kept independent of formatDomainPattern, which is under test). */
export function writePattern(p: DomainPattern): string {
  const prefix = { exact: '', suffix: '.', subdomains: '*.' }[p.match];
  return `${prefix}${p.domain}`;
}

/**
 * The reference meaning of a pattern, written independently of patternMatches: which names it matches, given as
 * label arrays (the host is lower-cased and loses one trailing dot first).
 */
export function referenceMatches(p: DomainPattern, host: string): boolean {
  const name = host.toLowerCase().endsWith('.') ? host.toLowerCase().slice(0, -1) : host.toLowerCase();
  const hostLabels = name.split('.');
  const domainLabels = p.domain.split('.');
  const extra = hostLabels.length - domainLabels.length;
  if (extra < 0) return false;
  const tailEqual = domainLabels.every((l, i) => hostLabels[extra + i] === l);
  if (!tailEqual) return false;
  if (p.match === 'exact') return extra === 0;
  if (p.match === 'subdomains') return extra > 0;
  return true;
}
