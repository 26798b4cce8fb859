import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import { ruleSetKind } from '../../crds-equivalent/rule-set.js';
import { resolveDomainFilters, type NamedFilter } from '../../policy/domains/resolve.js';
import type { SourcedRule } from '../../renderers/suricata/model.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import type { IpsFacts } from './facts.js';
import { ipsRevision, queueSpec } from './model.js';
import { resolveRuleSets, type NamedRuleSet } from './rule-set.js';
import { ruleErrors, validateIntrusionPreventionSpec, type IntrusionPreventionSpec } from './spec.js';
import type { IpsDesired } from './types.js';

const ABSENT: IntrusionPreventionSpec = {
  enable: false,
  mode: 'prevent',
  failureMode: 'failOpen',
  firstQueue: 0,
  domainFilterDns: false,
};

/**
 * The desired IPS: the singleton spec plus the RuleSets and DomainFilters it names, rendered into a revision. A
 * missing or invalid reference, or a packaged rule file this Suricata does not ship, rejects the generation like an
 * invalid spec, so the last good rules keep running.
 */
export function decodeIntrusionPrevention(snapshot: KindSnapshot, facts: IpsFacts): DecodeResult<IpsDesired> {
  const decoded = decodeSingleton(intrusionPreventionKind, snapshot, validateIntrusionPreventionSpec, ABSENT);
  if (!decoded.ok) return decoded;
  const { desired, ignored } = decoded;
  const spec = desired.spec;
  const base = { name: desired.name, generation: desired.generation };
  const off: IpsDesired = {
    enabled: false,
    mode: spec.mode,
    failureMode: spec.failureMode,
    sources: { domainFilters: [], ruleSets: [] },
  };
  if (!spec.enable) return { ok: true, ignored, desired: { ...base, spec: off } };
  const refs = resolveReferences(spec, snapshot, facts);
  if ('errors' in refs)
    return { ok: false, name: desired.name ?? 'default', generation: desired.generation ?? 0, errors: refs.errors };
  const { filters, ruleSets, rules } = refs;
  const revision = ipsRevision(spec, { rules, filters }, facts);
  return {
    ok: true,
    ignored,
    desired: {
      ...base,
      spec: {
        ...off,
        enabled: true,
        revision,
        queue: queueSpec(spec, facts),
        sources: {
          domainFilters: filters.map((f) => ({ name: f.name, generation: f.generation, mode: f.spec.mode })),
          ruleSets: ruleSets.map((r) => ({ name: r.name, generation: r.generation, rules: r.rules.length })),
        },
      },
    },
  };
}

type References = { errors: string[] } | { filters: NamedFilter[]; ruleSets: NamedRuleSet[]; rules: SourcedRule[] };

/** The references resolved, and every rule line (spec and RuleSets together) checked for duplicate sids. */
function resolveReferences(spec: IntrusionPreventionSpec, snapshot: KindSnapshot, facts: IpsFacts): References {
  const related = (kind: string) => snapshot.related?.[kind] ?? [];
  const filters = resolveDomainFilters('spec.domainFilters', spec.domainFilters ?? [], related(domainFilterKind.kind));
  const ruleSets = resolveRuleSets(spec.ruleSets ?? [], related(ruleSetKind.kind));
  const local = (spec.rules ?? []).map((text, i) => ({ source: `spec.rules[${i}]`, text }));
  const rules = [...local, ...(ruleSets.ok ? ruleSets.value.flatMap((r) => r.rules) : [])];
  const errors = [
    ...(filters.ok ? [] : filters.errors),
    ...(ruleSets.ok ? [] : ruleSets.errors),
    ...unknownPackagedRules(spec.packagedRules ?? [], facts),
    ...ruleErrors(rules),
  ];
  if (errors.length > 0 || !filters.ok || !ruleSets.ok) return { errors };
  return { filters: filters.value, ruleSets: ruleSets.value, rules };
}

function unknownPackagedRules(wanted: readonly string[], facts: IpsFacts): string[] {
  const shipped = new Set(facts.packaged().files.map((f) => f.name));
  const has = [...shipped].join(', ') || 'none';
  return wanted
    .filter((name) => name !== '*' && !shipped.has(name))
    .map((name) => `spec.packagedRules: ${name} is not shipped by the installed Suricata (${has})`);
}
