import type { SourcedRule } from '../../renderers/suricata/model.js';
import { validateRuleLine } from '../../renderers/suricata/rule-line.js';

/** Blank lines and `#` comments carry no rule. */
export function isRuleLine(text: string): boolean {
  const t = text.trim();
  return t.length > 0 && !t.startsWith('#');
}

/**
 * Every rule line validated, with where it came from: errors name the source and quote the value safely. sids are
 * unique across everything given (Suricata refuses a duplicate at load time, after the fact).
 */
export function validateRuleLines(lines: readonly SourcedRule[]): { rules: SourcedRule[]; errors: string[] } {
  const rules: SourcedRule[] = [];
  const errors: string[] = [];
  const sids = new Map<number, string>();
  for (const line of lines) {
    if (!isRuleLine(line.text)) continue;
    const checked = validateRuleLine(line.text.trim());
    if (!checked.ok) {
      errors.push(`${line.source}: ${checked.error}`);
      continue;
    }
    const earlier = sids.get(checked.rule.sid);
    if (earlier) errors.push(`${line.source}: sid ${checked.rule.sid} is already used by ${earlier}`);
    else sids.set(checked.rule.sid, line.source);
    rules.push({ source: line.source, text: line.text.trim() });
  }
  return { rules, errors };
}
