import { ruleSetKind } from '../../crds-equivalent/rule-set.js';
import type { SourcedRule } from '../../renderers/suricata/model.js';
import type { StoredResource } from '../../runtime/controller.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { resolveReferences, type Resolved } from '../../runtime/resolve-references.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import { ruleErrors } from './spec.js';

export interface RuleSetSpec {
  rules: string[];
  description?: string;
}

const validator = new SpecValidator([ruleSetKind]);

/** Schema, then every rule line (one rule each, no injected directive, unique sids). */
export function validateRuleSetSpec(raw: unknown): Validation<RuleSetSpec> {
  const result = validator.validate<RuleSetSpec>(ruleSetKind, raw);
  if (!result.ok) return result;
  const errors = ruleErrors(result.value.rules.map((text, i) => ({ source: `spec.rules[${i}]`, text })));
  return errors.length > 0 ? { ok: false, errors } : result;
}

/** Read by IntrusionPrevention (spec.ruleSets); no controller of its own. */
export const ruleSetModule: KindModule = { definition: ruleSetKind, validateSpec: validateRuleSetSpec };

export interface NamedRuleSet {
  name: string;
  generation: number;
  rules: SourcedRule[];
}

/** The RuleSets a spec names, validated; a missing or invalid one rejects the referring generation. */
export function resolveRuleSets(
  names: readonly string[],
  resources: readonly StoredResource[],
): Resolved<NamedRuleSet[]> {
  const resolved = resolveReferences('spec.ruleSets', 'RuleSet', names, resources, validateRuleSetSpec);
  if (!resolved.ok) return resolved;
  const value = resolved.value.map(({ name, generation, spec }) => ({
    name,
    generation,
    rules: spec.rules.map((text, i) => ({ source: `RuleSet ${name} rules[${i}]`, text })),
  }));
  return { ok: true, value };
}
