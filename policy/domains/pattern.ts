/**
 * Domain patterns of DomainFilter resources, in the one model every enforcement path compiles from (the Squid
 * proxy now, the IPS/firewall path later).
 *
 * - `example.com`   exact: that host name only;
 * - `.example.com`  suffix: example.com and every name under it;
 * - `*.example.com` subdomains: every name under example.com, not example.com itself.
 */
export type DomainMatch = 'exact' | 'suffix' | 'subdomains';

export interface DomainPattern {
  match: DomainMatch;
  /** Lower-case ASCII (A-labels for internationalised names), no leading or trailing dot. */
  domain: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The pattern a DomainFilter entry means, or an error naming what is wrong with it. */
export function parseDomainPattern(text: string): DomainPattern | { error: string } {
  const [match, rest] = text.startsWith('*.')
    ? (['subdomains', text.slice(2)] as const)
    : text.startsWith('.')
      ? (['suffix', text.slice(1)] as const)
      : (['exact', text] as const);
  // ASCII before lower-casing: some non-ASCII letters lower-case to ASCII ones (U+212A KELVIN SIGN to k).
  if (!/^[\x21-\x7e]*$/.test(rest)) return { error: 'not a domain name: only ASCII (write xn-- A-labels)' };
  const domain = rest.toLowerCase();
  if (domain.length === 0 || domain.length > 253) return { error: 'not a domain name: a name has 1 to 253 characters' };
  const bad = domain.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined)
    return {
      error:
        'not a domain name: labels are letters, digits and inner hyphens (1-63 characters); write ' +
        'internationalised names as xn-- A-labels; wildcards only as a leading "*." or "."',
    };
  if (/^\d+$/.test(domain.split('.').at(-1) ?? ''))
    return { error: 'not a domain name: no top-level domain is all digits (IP addresses belong in a FirewallPolicy)' };
  return { match, domain };
}

/** How a pattern is written in a spec (the inverse of parseDomainPattern). */
export function formatDomainPattern(p: DomainPattern): string {
  return p.match === 'exact' ? p.domain : p.match === 'suffix' ? `.${p.domain}` : `*.${p.domain}`;
}

/** Whether a host name (any case, optional trailing dot) matches a pattern. */
export function patternMatches(p: DomainPattern, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  const under = name.endsWith(`.${p.domain}`);
  if (p.match === 'exact') return name === p.domain;
  if (p.match === 'subdomains') return under;
  return under || name === p.domain;
}

/** True when every name `inner` matches is also matched by `outer`. */
export function patternCovers(outer: DomainPattern, inner: DomainPattern): boolean {
  if (outer.match === 'exact') return inner.match === 'exact' && inner.domain === outer.domain;
  const below = inner.domain.endsWith(`.${outer.domain}`);
  if (outer.match === 'suffix') return below || inner.domain === outer.domain;
  // subdomains: covers any pattern rooted strictly below, and *.x covers *.x.
  return below || (inner.match === 'subdomains' && inner.domain === outer.domain);
}

/**
 * Drops duplicates and patterns another pattern already covers, sorted by domain. Squid refuses a dstdomain list
 * holding both `.example.com` and `a.example.com`, and a shorter list is cheaper on every path. Linear in the
 * number of patterns times their depth: each pattern only looks at its own ancestors.
 */
export function minimisePatterns(patterns: readonly DomainPattern[]): DomainPattern[] {
  const suffixes = new Set(patterns.filter((p) => p.match === 'suffix').map((p) => p.domain));
  const subtrees = new Set(patterns.filter((p) => p.match === 'subdomains').map((p) => p.domain));
  const covered = (p: DomainPattern): boolean => {
    if (p.match === 'exact' && suffixes.has(p.domain)) return true;
    if (p.match === 'subdomains' && suffixes.has(p.domain)) return true;
    return ancestors(p.domain).some((a) => suffixes.has(a) || subtrees.has(a));
  };
  const unique = new Map(patterns.map((p) => [formatDomainPattern(p), p]));
  return [...unique.values()]
    .filter((p) => !covered(p))
    .sort((a, b) => (a.domain === b.domain ? a.match.localeCompare(b.match) : a.domain < b.domain ? -1 : 1));
}

/** The strict parent domains of a name: a.b.c -> [b.c, c]. */
function ancestors(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(1).map((_, i) => labels.slice(i + 1).join('.'));
}
