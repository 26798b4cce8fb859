import { domainInput } from '../../controllers/intrusion-prevention/model.js';
import { resolveRuleSets } from '../../controllers/intrusion-prevention/rule-set.js';
import {
  ruleErrors,
  validateIntrusionPreventionSpec,
  type IntrusionPreventionSpec,
} from '../../controllers/intrusion-prevention/spec.js';
import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import { ruleSetKind } from '../../crds-equivalent/rule-set.js';
import { resolveDomainFilters } from '../../policy/domains/resolve.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import type { IpsModel } from './ips.js';

/**
 * The IntrusionPrevention singleton with the DomainFilters and RuleSets it names, resolved as its controller does:
 * an invalid spec or a missing or invalid reference rejects the generation (a note says why). Packaged rule files
 * depend on the host's Suricata and are not checked offline.
 */
export function buildIpsModel(of: (kind: string) => KindSnapshot, notes: string[]): IpsModel | undefined {
  const decoded = decodeSingleton<IntrusionPreventionSpec | undefined>(
    intrusionPreventionKind,
    of(intrusionPreventionKind.kind),
    validateIntrusionPreventionSpec,
    undefined,
  );
  if (!decoded.ok) {
    notes.push(
      `IntrusionPrevention/${decoded.name} generation ${decoded.generation} is invalid: ${decoded.errors.join('; ')}`,
    );
    return { state: 'rejected' };
  }
  for (const ignored of decoded.ignored) notes.push(ignored.reason);
  const { spec, name, generation } = decoded.desired;
  if (!spec) return undefined;
  if (!spec.enable) return { state: 'disabled' };
  const filters = resolveDomainFilters(
    'spec.domainFilters',
    spec.domainFilters ?? [],
    of(domainFilterKind.kind).resources,
  );
  const ruleSets = resolveRuleSets(spec.ruleSets ?? [], of(ruleSetKind.kind).resources);
  const local = (spec.rules ?? []).map((text, i) => ({ source: `spec.rules[${i}]`, text }));
  const errors = [
    ...(filters.ok ? [] : filters.errors),
    ...(ruleSets.ok ? [] : ruleSets.errors),
    // A sid repeated across spec.rules and the RuleSets rejects the generation too.
    ...ruleErrors([...local, ...(ruleSets.ok ? ruleSets.value.flatMap((r) => r.rules) : [])]),
  ];
  if (!filters.ok || errors.length > 0) {
    notes.push(`IntrusionPrevention/${name} generation ${generation} is rejected: ${errors.join('; ')}`);
    return { state: 'rejected' };
  }
  const domains = domainInput(filters.value, spec.domainFilterDns);
  return { state: 'enabled', spec, ...(domains ? { domains } : {}) };
}
