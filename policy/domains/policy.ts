import {
  formatDomainPattern,
  minimisePatterns,
  parseDomainPattern,
  patternMatches,
  type DomainPattern,
} from './pattern.js';

export type DomainFilterMode = 'allow' | 'deny';

/** A DomainFilter resource's spec after validation. */
export interface DomainFilterSpec {
  mode: DomainFilterMode;
  domains: string[];
  description?: string;
}

/**
 * What the referenced DomainFilters mean together, ready for any enforcement path. Deny lists win: a name any deny
 * list matches is refused. When at least one allow list is referenced, a name must also match one of them.
 */
export interface DomainPolicy {
  deny: DomainPattern[];
  /** undefined: no allow list is referenced and every name not denied passes. */
  allow?: DomainPattern[];
}

export interface DomainVerdict {
  allowed: boolean;
  /** Which pattern decided, or why nothing did ("not on any allow list"). */
  reason: string;
}

/** Merges filters (already validated) into one policy; patterns are minimised per list. */
export function compileDomainPolicy(filters: readonly DomainFilterSpec[]): DomainPolicy {
  const patternsOf = (mode: DomainFilterMode): DomainPattern[] =>
    minimisePatterns(
      filters
        .filter((f) => f.mode === mode)
        .flatMap((f) => f.domains.map(parseDomainPattern))
        .filter((p): p is DomainPattern => !('error' in p)),
    );
  const hasAllowList = filters.some((f) => f.mode === 'allow');
  return { deny: patternsOf('deny'), ...(hasAllowList ? { allow: patternsOf('allow') } : {}) };
}

/** The verdict of a policy for a host name: the reference every compiled path is tested against. */
export function evaluateDomainPolicy(policy: DomainPolicy, host: string): DomainVerdict {
  const denied = policy.deny.find((p) => patternMatches(p, host));
  if (denied) return { allowed: false, reason: `denied by ${formatDomainPattern(denied)}` };
  if (!policy.allow) return { allowed: true, reason: 'no deny pattern matches' };
  const allowed = policy.allow.find((p) => patternMatches(p, host));
  return allowed
    ? { allowed: true, reason: `allowed by ${formatDomainPattern(allowed)}` }
    : { allowed: false, reason: 'not on any allow list' };
}
