import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { anyPattern, writePattern } from '../../testing/domain-arbitraries.js';
import { validateDomainFilterSpec } from './spec.js';

const spec = (...domains: string[]): unknown => ({ mode: 'deny', domains });

/** Characters that would end a squid.conf line or a line of an included ACL file. */
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;

/** Entries that must never reach a rendered configuration. */
const INJECTION_CORPUS: [string, string][] = [
  ['space inside', 'a.com b.com'],
  ['tab inside', 'a.com\tb'],
  ['leading space', ' a.com'],
  ['trailing space', 'a.com '],
  ['newline + directive', 'a.com\nhttp_access allow all'],
  ['trailing newline', 'a.com\n'],
  ['carriage return', 'a.com\rhttp_access allow all'],
  ['CRLF', 'a.com\r\n'],
  ['vertical tab', 'a.com\u000bb'],
  ['form feed', 'a.com\fb'],
  ['comment', 'a.com#x'],
  ['lone comment', '#'],
  ['directive', 'http_access allow all'],
  ['acl line', 'acl x src all'],
  ['quoted include path', '"/etc/passwd"'],
  ['semicolon', 'a.com;b'],
  ['include', 'include /etc/squid/x'],
  ['double quote', 'a"b.com'],
  ['single quote', "a'b.com"],
  ['backslash', 'a\\.com'],
  ['regex escape', '\\.a\\.com$'],
  ['percent escape', 'a%2ecom'],
  ['percent newline', 'a.com%0ahttp_access'],
  ['macro', '%{x}.com'],
  ['umlaut', 'bücher.de'],
  ['cyrillic a homoglyph', 'ex\u0430mple.com'],
  ['greek omicron homoglyph', 'g\u03bfogle.com'],
  ['kelvin sign', '\u212Aexample.com'],
  ['fullwidth dot', 'a\uff0ecom'],
  ['ideographic dot', 'a\u3002com'],
  ['zero-width space', 'a\u200bb.com'],
  ['line separator', 'a.com\u2028http_access allow all'],
  ['next line', 'a.com\u0085b'],
  ['dotless i', 'l\u0131nk.com'],
  ['empty label', 'a..com'],
  ['leading and trailing dot', '.a.com.'],
  ['trailing dot', 'a.com.'],
  ['double wildcard', '*.*.a.com'],
  ['inner wildcard', 'a.*.com'],
  ['bare wildcard', '*'],
  ['lone wildcard prefix', '*.'],
  ['lone dot', '.'],
  ['two dots', '..'],
  ['dot-star', '.*.a.com'],
  ['star without dot', '*a.com'],
  ['leading hyphen', '-a.com'],
  ['trailing hyphen', 'a-.com'],
  ['label hyphen at end of name', 'a.com-'],
  ['underscore', 'a_b.com'],
  ['label of 64 characters', `${'a'.repeat(64)}.com`],
  ['name of 254 characters', `${'a.'.repeat(126)}ab`],
  ['suffix name of 254 characters', `.${'a.'.repeat(126)}ab`],
  ['NUL byte', 'a.com\u0000'],
  ['NUL inside', 'a\u0000.com'],
  ['parent path', '../'],
  ['path', '../../etc/passwd'],
  ['slash', 'a.com/x'],
  ['IP with port', '1.2.3.4:80'],
  ['IP address (not a name)', '1.2.3.4'],
  ['suffix of IP addresses', '.3.4'],
  ['host with port', 'a.com:443'],
  ['URL', 'http://a.com'],
  ['user info', 'u@a.com'],
  ['ACL file reference', '"/etc/squid/blocked.txt"'],
  ['dash option', '-i'],
  ['brace', 'a{1}.com'],
  ['pipe', 'a|b.com'],
  ['dollar', 'a.com$'],
];

describe('validateDomainFilterSpec', () => {
  it.each([
    'example.com',
    '.example.com',
    '*.example.com',
    'xn--bcher-kva.de',
    'EXAMPLE.COM',
    '*.Example.Com',
    'a-b.c0m',
    '.com',
    'localhost',
    `${'a'.repeat(63)}.com`,
    `${'a.'.repeat(126)}a`,
  ])('accepts %j', (domain) => {
    const result = validateDomainFilterSpec(spec(domain));
    expect(result).toEqual({ ok: true, value: { mode: 'deny', domains: [domain] } });
  });

  it.each(INJECTION_CORPUS)('rejects %s (%j) with an error free of line breaks', (_, domain) => {
    const result = validateDomainFilterSpec(spec('good.example', domain));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(error).not.toMatch(LINE_BREAK);
      expect(error).not.toContain('\u0000');
      expect(error).toMatch(/^spec\.domains\[1\]/);
    }
  });

  it('rejects each corpus entry on its own too (not only next to a valid one)', () => {
    for (const [, domain] of INJECTION_CORPUS) {
      const result = validateDomainFilterSpec({ mode: 'allow', domains: [domain] });
      expect([domain, result.ok]).toEqual([domain, false]);
    }
  });

  it('names each bad entry by index, quoting it safely', () => {
    const result = validateDomainFilterSpec(spec('a..com', 'ok.com', '-a.com'));
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(/^spec\.domains\[0\]: "a\.\.com" is not a domain name/),
        expect.stringMatching(/^spec\.domains\[2\]: "-a\.com" is not a domain name/),
      ],
    });
  });

  it.each<[string, unknown]>([
    ['no mode', { domains: ['a.com'] }],
    ['unknown mode', { mode: 'block', domains: ['a.com'] }],
    ['no domains', { mode: 'deny' }],
    ['empty domains', { mode: 'deny', domains: [] }],
    ['a non-string domain', { mode: 'deny', domains: [42] }],
    ['an unknown field', { mode: 'deny', domains: ['a.com'], extra: true }],
    ['a long description', { mode: 'deny', domains: ['a.com'], description: 'x'.repeat(257) }],
    ['not an object', 'deny a.com'],
    ['null', null],
  ])('rejects a spec with %s', (_, raw) => {
    expect(validateDomainFilterSpec(raw).ok).toBe(false);
  });

  it('accepts 2,000 domains and refuses 2,001', () => {
    const domains = Array.from({ length: 2_000 }, (_, i) => `h${i}.example.com`);
    expect(validateDomainFilterSpec(spec(...domains)).ok).toBe(true);
    expect(validateDomainFilterSpec(spec(...domains, 'one-more.example.com')).ok).toBe(false);
  });

  it('does not modify its input', () => {
    const raw = { mode: 'allow', domains: ['A.com'] };
    validateDomainFilterSpec(raw);
    expect(raw).toEqual({ mode: 'allow', domains: ['A.com'] });
  });

  // Regression (runtime/spec-validation.ts formatError): an unknown field's name is interpolated raw, so a key holding a
  // newline puts a line break (and whatever follows it) into the error that reaches status and events.
  it('reports an unknown field whose name holds a newline without a raw line break', () => {
    const result = validateDomainFilterSpec({ mode: 'deny', domains: ['a.com'], 'x\nhttp_access allow all': 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const error of result.errors) expect(error).not.toMatch(LINE_BREAK);
  });

  it('accepts every written pattern of the grammar, in any case', () => {
    fc.assert(
      fc.property(fc.array(anyPattern, { minLength: 1, maxLength: 5 }), fc.boolean(), (patterns, upper) => {
        const domains = patterns.map(writePattern).map((d) => (upper ? d.toUpperCase() : d));
        expect(validateDomainFilterSpec(spec(...domains)).ok).toBe(true);
      }),
    );
  });

  it('rejects any entry holding a character other than letters, digits, "-", "." and "*"', () => {
    const bad = fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).filter((s) => /[^A-Za-z0-9.*-]/.test(s));
    fc.assert(
      fc.property(anyPattern, bad, fc.nat(), (p, junk, at) => {
        const text = writePattern(p);
        // Insert after any "*." prefix so the junk is never mistaken for the wildcard itself.
        const start = p.match === 'subdomains' ? 2 : 0;
        const i = start + (at % (text.length - start + 1));
        const result = validateDomainFilterSpec(spec(text.slice(0, i) + junk + text.slice(i)));
        expect(result.ok).toBe(false);
        if (!result.ok) for (const error of result.errors) expect(error).not.toMatch(LINE_BREAK);
      }),
    );
  });
});
