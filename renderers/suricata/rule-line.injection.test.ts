import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_RULE_LINE, validateRuleLine } from './rule-line.js';

const OK = 'alert tcp any any -> any any (msg:"ok"; content:"x"; sid:1; rev:1;)';
const SECOND = 'drop ip any any -> any any (msg:"smuggled"; sid:2;)';

/** Hostile rule lines: each must be refused, for the reason given (a refusal for some other reason hides a gap). */
const CORPUS: [string, string, RegExp][] = [
  ['a second rule after the first', `${OK} ${SECOND}`, /nothing may follow|keyword belongs/],
  ['a second rule after an early ")"', 'alert tcp any any -> any any (msg:"a"; sid:1;) ' + SECOND, /keyword belongs/],
  [
    'a ";" inside quotes ending the value early',
    'alert tcp any any -> any any (msg:"a; sid:3;"; sid:1;)',
    /unescaped ";"/,
  ],
  ['an unbalanced quote', 'alert tcp any any -> any any (msg:"a; sid:1;)', /unbalanced quote|unescaped ";"/],
  ['an unbalanced quote at the end', 'alert tcp any any -> any any (msg:"x"; sid:1; content:"a)', /unbalanced quote/],
  ['an escaped closing quote', 'alert tcp any any -> any any (msg:"a\\"; sid:1;)', /unbalanced quote|unescaped ";"/],
  ['a lone backslash before ")"', 'alert tcp any any -> any any (msg:"x"; sid:1; content:a\\)', /lone backslash/],
  ['an unterminated option', 'alert tcp any any -> any any (msg:"x"; sid:1)', /not terminated by ";"/],
  ['text after ")"', `${OK} # trailing`, /nothing may follow/],
  ['no ")" at all', 'alert tcp any any -> any any (msg:"x"; sid:1;', /must end with "\)"/],
  ['no option body', 'alert tcp any any -> any any', /no option body/],
  ['a newline', `${OK}\n${SECOND}`, /control character "\\n"/],
  ['a carriage return', `${OK}\r${SECOND}`, /control character "\\r"/],
  ['a NUL', OK.replace('ok', 'o\0k'), /control character "\\u0000"/],
  ['a tab', OK.replace(' tcp', '\ttcp'), /control character "\\t"/],
  ['a DEL', OK.replace('ok', 'o\x7fk'), /control character/],
  ['a unicode line separator', OK.replace('ok', 'o\u2028k'), /control character/],
  ['a next-line character', OK.replace('ok', 'o\u0085k'), /control character/],
  ['a line too long', OK.replace('ok', 'a'.repeat(MAX_RULE_LINE)), /longer than 8192/],
  ['a comment line', `# ${OK}`, /comment is not a rule/],
  ['a "#" in an option value', 'alert tcp any any -> any any (msg:"x"; flow:to_server#; sid:1;)', /"#" outside quotes/],
  ['a "#" in the header', 'alert tcp any any -> any #any (msg:"x"; sid:1;)', /destination port/],
  ['a YAML directive', '%YAML 1.1', /unknown action "%YAML"/],
  ['a YAML key', 'rule-files: [/etc/passwd]', /unknown action "rule-files:"/],
  ['a YAML include', 'include: /tmp/evil.yaml', /unknown action "include:"/],
  ['a YAML list item', '- /tmp/evil.rules', /unknown action "-"/],
  [
    'a config action',
    'config dns any any -> any any (msg:"x"; config:logging disable,type tx,scope tx; sid:1;)',
    /unknown action "config"/,
  ],
  [
    'lua',
    'alert tcp any any -> any any (msg:"x"; lua:/tmp/x.lua; sid:1;)',
    /"lua" is not allowed: it runs a Lua script/,
  ],
  ['luajit', 'alert tcp any any -> any any (msg:"x"; luajit:x.lua; sid:1;)', /"luajit" is not allowed/],
  ['LUA in upper case', 'alert tcp any any -> any any (msg:"x"; LUA:x.lua; sid:1;)', /"lua" is not allowed/],
  ['filestore', 'alert http any any -> any any (msg:"x"; filestore; sid:1;)', /"filestore" is not allowed: it writes/],
  ['tls.store', 'alert tls any any -> any any (msg:"x"; tls.store; sid:1;)', /"tls.store" is not allowed/],
  [
    'dataset save',
    'alert http any any -> any any (msg:"x"; http.uri; dataset:set,u,type string,save /etc/cron.d/x; sid:1;)',
    /"dataset" is not allowed/,
  ],
  [
    'dataset load',
    'alert http any any -> any any (msg:"x"; http.uri; dataset:isset,u,type string,load /etc/shadow; sid:1;)',
    /"dataset" is not allowed/,
  ],
  [
    'datarep',
    'alert dns any any -> any any (msg:"x"; dns.query; datarep:dr,>,5,load /tmp/r.csv,type string; sid:1;)',
    /"datarep" is not allowed/,
  ],
  ['iprep', 'alert ip any any -> any any (msg:"x"; iprep:src,BadHosts,>,50; sid:1;)', /"iprep" is not allowed/],
  [
    'filemd5 (reads a path)',
    'alert http any any -> any any (msg:"x"; filemd5:/dev/zero; sid:1;)',
    /"filemd5" is not allowed/,
  ],
  [
    'filesha256 (reads a path)',
    'alert http any any -> any any (msg:"x"; filesha256:/etc/shadow; sid:1;)',
    /"filesha256"/,
  ],
  [
    'a keyword with a quote',
    'alert tcp any any -> any any (msg:"x"; fl"ow:to_server; sid:1;)',
    /not terminated by ";"/,
  ],
  ['a $VAR that is no variable', 'alert tcp $HOME_NET$ any -> any any (msg:"x"; sid:1;)', /source/],
  ['a variable expanding to yaml', 'alert tcp ${HOME_NET} any -> any any (msg:"x"; sid:1;)', /source/],
  [
    'a nested list bomb',
    `alert tcp ${'['.repeat(20)}10.0.0.1${']'.repeat(20)} any -> any any (msg:"x"; sid:1;)`,
    /deeper than 8/,
  ],
];

describe('validateRuleLine injection corpus', () => {
  it('accepts the control line every case is built from', () => {
    expect(validateRuleLine(OK).ok).toBe(true);
  });

  it.each(CORPUS)('refuses %s', (_, line, reason) => {
    const result = validateRuleLine(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('quotes user text in errors with JSON.stringify (no raw control characters reach a message)', () => {
    for (const [, line] of CORPUS) {
      const result = validateRuleLine(line);
      if (!result.ok) expect(result.error).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    }
  });

  it('refuses a control character or a smuggled second rule anywhere in a valid line', () => {
    const bad = fc.constantFrom('\n', '\r', '\0', '\t', '\x1b', '\u2028', `) ${SECOND}`);
    fc.assert(
      fc.property(bad, fc.nat(), (insert, at) => {
        const i = at % (OK.length + 1);
        const line = OK.slice(0, i) + insert + OK.slice(i);
        const result = validateRuleLine(line);
        // Inside a quoted value `) drop ...` is text, and the line stays one rule: only that case may pass.
        if (result.ok) expect(insert.startsWith(')') && result.rule.sid === 1).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
