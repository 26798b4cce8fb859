import { describe, expect, it } from '@jest/globals';
import { splitRuleText, validateRuleSet } from './rule-set.js';

const rule = (sid: number, msg = 'x'): string => `alert tcp any any -> any any (msg:"${msg}"; sid:${sid}; rev:1;)`;

describe('splitRuleText', () => {
  it('skips blank and comment lines and names each rule by its line', () => {
    const text = `# header\n\n${rule(1)}\r\n   \n  # ${rule(2)}\n${rule(3)}`;
    expect(splitRuleText(text, 'RuleSet web/rules')).toEqual([
      { source: 'RuleSet web/rules line 3', text: rule(1) },
      { source: 'RuleSet web/rules line 6', text: rule(3) },
    ]);
  });

  it('leaves a lone carriage return in its line, for validation to refuse', () => {
    const [only] = splitRuleText(`${rule(1)}\r${rule(2)}`, 's');
    expect(only!.text).toContain('\r');
    expect(validateRuleSet([only!]).ok).toBe(false);
  });
});

describe('validateRuleSet', () => {
  it('returns every rule with its source', () => {
    const result = validateRuleSet([
      { source: 'spec.rules[0]', text: rule(1) },
      { source: 'spec.rules[1]', text: rule(2, 'two') },
    ]);
    expect(result).toEqual({
      ok: true,
      rules: [
        expect.objectContaining({ source: 'spec.rules[0]', sid: 1, msg: 'x' }),
        expect.objectContaining({ source: 'spec.rules[1]', sid: 2, msg: 'two' }),
      ],
    });
  });

  it('names both sources of a duplicate sid and the source of every invalid rule', () => {
    const result = validateRuleSet([
      { source: 'spec.rules[0]', text: rule(7) },
      { source: 'RuleSet web/rules line 4', text: rule(7) },
      { source: 'spec.rules[2]', text: 'alert tcp any any -> any any (sid:8;)' },
      { source: 'spec.rules[3]', text: rule(7) },
    ]);
    expect(result).toEqual({
      ok: false,
      errors: [
        'RuleSet web/rules line 4: sid 7 is already used by spec.rules[0]',
        'spec.rules[2]: the rule has no msg',
        'spec.rules[3]: sid 7 is already used by spec.rules[0]',
      ],
    });
  });

  it('accepts an empty set', () => {
    expect(validateRuleSet([])).toEqual({ ok: true, rules: [] });
  });
});
