import { describe, expect, it } from '@jest/globals';
import { usageTable } from './ai.js';

describe('usageTable', () => {
  it('aligns the rows and ends with the total', () => {
    const row = {
      requests: 3,
      errors: 1,
      promptTokens: 120,
      completionTokens: 30,
      cachedTokens: 10,
      costUsd: 0.0012346,
      savedUsd: 0.0004,
    };
    const text = usageTable('key', [{ name: 'team-search', ...row }], { ...row, requests: 3 });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+REQUESTS\s+ERRORS\s+PROMPT\s+COMPLETION\s+CACHED\s+SPENT \$\s+SAVED \$$/);
    expect(lines[1]).toMatch(/^team-search\s+3\s+1\s+120\s+30\s+10\s+0\.001235\s+0\.000400$/);
    expect(lines[2]).toMatch(/^TOTAL\s+3/);
    expect(lines[1]!.indexOf('120')).toBe(lines[0]!.indexOf('PROMPT'));
  });
});
