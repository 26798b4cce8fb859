import type { SourcedRule } from './model.js';
import { validateRuleLine, type ParsedRule } from './rule-line.js';

export type RuleSetResult = { ok: true; rules: (ParsedRule & { source: string })[] } | { ok: false; errors: string[] };

/**
 * The rule lines of a text block (a RuleSet's rules), each named `<source> line N` (1-based). Blank lines and `#`
 * comment lines are skipped: a commented-out rule is a comment. CRLF line ends are accepted; a lone CR is left in
 * its line for validateRuleLine to refuse.
 */
export function splitRuleText(text: string, source: string): SourcedRule[] {
  return text
    .split('\n')
    .map((line, i) => ({ source: `${source} line ${i + 1}`, text: line.endsWith('\r') ? line.slice(0, -1) : line }))
    .filter(({ text: line }) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** Every rule valid and no sid used twice; errors name the rule's source (and, for a duplicate, both sources). */
export function validateRuleSet(rules: readonly SourcedRule[]): RuleSetResult {
  const errors: string[] = [];
  const parsed: (ParsedRule & { source: string })[] = [];
  const sidSources = new Map<number, string>();
  for (const { source, text } of rules) {
    const result = validateRuleLine(text);
    if (!result.ok) {
      errors.push(`${source}: ${result.error}`);
      continue;
    }
    const first = sidSources.get(result.rule.sid);
    if (first !== undefined) errors.push(`${source}: sid ${result.rule.sid} is already used by ${first}`);
    else sidSources.set(result.rule.sid, source);
    parsed.push({ ...result.rule, source });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules: parsed };
}
