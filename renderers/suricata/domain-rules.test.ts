import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DomainPattern } from '../../policy/domains/pattern.js';
import { evaluateDomainPolicy } from '../../policy/domains/policy.js';
import { compileDomainRules, explainDomain, type DomainProtocol } from './domain-rules.js';
import { GENERATED_SID_MIN, type DomainRuleInput, type SourcedPattern } from './model.js';
import { validateRuleLine, type RuleOption } from './rule-line.js';

const exact = (domain: string): DomainPattern => ({ match: 'exact', domain });
const suffix = (domain: string): DomainPattern => ({ match: 'suffix', domain });
const subdomains = (domain: string): DomainPattern => ({ match: 'subdomains', domain });
const from = (filter: string, ...patterns: DomainPattern[]): SourcedPattern[] =>
  patterns.map((pattern) => ({ pattern, filter }));

/** The options of a generated rule, read by the same parser as user rules (its sid swapped out of the reserved range). */
function optionsOf(rule: string): RuleOption[] {
  const result = validateRuleLine(rule.replace(/sid:\d+;/, 'sid:1;'));
  if (!result.ok) throw new Error(`generated rule does not parse: ${result.error}: ${rule}`);
  return result.rule.options;
}

/** A buffer check of a rule: sticky buffer, transform, contents with their modifiers, bsize. */
function bufferMatches(options: readonly RuleOption[], buffers: Record<string, string | undefined>): boolean {
  let buffer: string | undefined;
  let ok = true;
  let last: { needle: string; negated: boolean; nocase?: boolean; start?: boolean; end?: boolean } | undefined;
  const settle = (): void => {
    if (!last || buffer === undefined) return;
    const [hay, needle] = last.nocase ? [buffer.toLowerCase(), last.needle.toLowerCase()] : [buffer, last.needle];
    const found = last.end ? hay.endsWith(needle) : last.start ? hay.startsWith(needle) : hay.includes(needle);
    ok &&= found !== last.negated;
    last = undefined;
  };
  for (const { keyword, value = '' } of options) {
    if (keyword in buffers) {
      settle();
      buffer = buffers[keyword];
      if (buffer === undefined) return false;
    } else if (keyword === 'dotprefix') buffer = `.${buffer}`;
    else if (keyword === 'content') {
      settle();
      const quoted = /^(!?)"(.*)"$/.exec(value)!;
      const needle = quoted[2]!.replace(/\|([0-9a-f ]+)\|/g, (_, hex: string) =>
        String.fromCharCode(
          ...hex
            .trim()
            .split(' ')
            .map((h) => parseInt(h, 16)),
        ),
      );
      last = { needle, negated: quoted[1] === '!' };
    } else if (keyword === 'nocase') last!.nocase = true;
    else if (keyword === 'endswith') last!.end = true;
    else if (keyword === 'startswith') last!.start = true;
    else if (keyword === 'bsize') ok &&= buffer?.length === Number(value);
  }
  settle();
  return ok;
}

/**
 * What Suricata does with the request of one flow: rules ordered by action (suricata.yaml: pass, alert, drop), then
 * by sid; a setter sets the flowbit, a drop that matches drops. `name` undefined: TLS without SNI.
 */
function simulate(rules: readonly string[], protocol: DomainProtocol, name: string | undefined): 'drop' | 'pass' {
  const mine = rules.filter((r) => r.split(' ')[1] === protocol);
  const ordered = [...mine.filter((r) => r.startsWith('alert ')), ...mine.filter((r) => r.startsWith('drop '))];
  // http.host is normalised to lower case by Suricata; the SNI and DNS names arrive as sent.
  const buffers = {
    'tls.sni': protocol === 'tls' ? name : undefined,
    'http.host': protocol === 'http' ? name?.toLowerCase() : undefined,
    'dns.query': protocol === 'dns' ? name : undefined,
    'http.header_names': '\r\nHost\r\n\r\n',
  };
  let allowed = false;
  let dropped = false;
  for (const rule of ordered) {
    const options = optionsOf(rule);
    const bits = options.filter((o) => o.keyword === 'flowbits').map((o) => o.value);
    if (bits.includes('isnotset,csgw.domain.allowed') && allowed) continue;
    if (!bufferMatches(options, buffers)) continue;
    if (bits.includes('set,csgw.domain.allowed')) allowed = true;
    if (rule.startsWith('drop ')) dropped = true;
  }
  return dropped ? 'drop' : 'pass';
}

const INPUT: DomainRuleInput = {
  deny: from('corp-deny', suffix('bad.example'), exact('x.good.example')),
  allow: [...from('corp-allow', exact('good.example'), subdomains('good.example')), ...from('b', suffix('ok.test'))],
  dns: false,
};

describe('compileDomainRules', () => {
  it('writes deny drops, allow setters and one default drop per protocol, sids counting up', () => {
    const rules = compileDomainRules(INPUT);
    const tls = 'any any -> any any';
    expect(rules[0]).toBe(
      `drop tls ${tls} (msg:"csgw domain deny corp-deny .bad.example (tls.sni)"; flow:to_server,established; ` +
        `tls.sni; dotprefix; content:".bad.example"; nocase; endswith; sid:${GENERATED_SID_MIN}; rev:1;)`,
    );
    expect(rules).toContain(
      `drop http ${tls} (msg:"csgw domain deny corp-deny x.good.example (http.host)"; flow:to_server,established; ` +
        `http.host; content:"x.good.example"; bsize:14; sid:${GENERATED_SID_MIN + 6}; rev:1;)`,
    );
    expect(rules).toContain(
      `alert tls ${tls} (msg:"csgw domain allow corp-allow *.good.example (tls.sni)"; flow:to_server,established; ` +
        `tls.sni; content:".good.example"; nocase; endswith; flowbits:set,csgw.domain.allowed; flowbits:noalert; ` +
        `sid:${GENERATED_SID_MIN + 9}; rev:1;)`,
    );
    expect(rules.slice(-2)).toEqual([
      `drop tls ${tls} (msg:"csgw domain not on an allow list (tls.sni)"; flow:to_server,established; ` +
        `ssl_state:client_hello; flowbits:isnotset,csgw.domain.allowed; sid:${GENERATED_SID_MIN + 14}; rev:1;)`,
      `drop http ${tls} (msg:"csgw domain not on an allow list (http.host)"; flow:to_server,established; ` +
        `http.header_names; content:"|0d 0a|"; startswith; flowbits:isnotset,csgw.domain.allowed; ` +
        `sid:${GENERATED_SID_MIN + 15}; rev:1;)`,
    ]);
    expect(rules).toHaveLength(16);
  });

  it('writes no allow or default rule without an allow list, and DNS rules only when asked', () => {
    expect(compileDomainRules({ deny: [], dns: true })).toEqual([]);
    const dns = compileDomainRules({ deny: from('d', exact('a.b')), allow: [], dns: true });
    expect(dns.map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual([
      'drop tls',
      'drop tls',
      'drop http',
      'drop http',
      'drop dns',
      'drop tls',
      'drop http',
      'drop dns',
    ]);
    expect(dns[7]).toContain('flow:to_server; dns.query; content:!"|00|"; flowbits:isnotset,csgw.domain.allowed;');
  });

  it('denies a name written fully qualified (a trailing dot), which servers accept as the same name', () => {
    const rules = compileDomainRules(INPUT);
    expect(rules[1]).toContain('tls.sni; dotprefix; content:".bad.example."; nocase; endswith;');
    for (const name of ['www.bad.example.', 'bad.example.', 'x.good.example.'])
      expect(simulate(rules, 'http', name)).toBe('drop');
  });

  it('numbers rules the same whatever the order of filters and patterns', () => {
    const shuffled: DomainRuleInput = { ...INPUT, deny: [...INPUT.deny].reverse(), allow: [...INPUT.allow!].reverse() };
    expect(compileDomainRules(shuffled)).toEqual(compileDomainRules(INPUT));
  });

  it('parses every generated rule as a rule line', () => {
    for (const rule of compileDomainRules({ ...INPUT, dns: true })) expect(optionsOf(rule).length).toBeGreaterThan(3);
  });

  it.each([
    ['a quote in a domain', { deny: from('f', exact('a"b')), dns: false }, /domain "a\\"b"/],
    ['a semicolon in a domain', { deny: from('f', suffix('a;b')), dns: false }, /domain/],
    ['a backslash in a domain', { deny: from('f', suffix('a\\')), dns: false }, /domain/],
    ['an upper-case domain', { deny: from('f', suffix('A.b')), dns: false }, /domain/],
    ['a quote in a filter name', { deny: from('f"; sid:1;', suffix('a.b')), dns: false }, /filter name/],
    ['a space in a filter name', { deny: [], allow: from('a b', suffix('a.b')), dns: false }, /filter name/],
  ])('refuses %s', (_, input, reason) => {
    expect(() => compileDomainRules(input as DomainRuleInput)).toThrow(reason);
  });
});

describe('explainDomain', () => {
  it.each<[string, DomainProtocol, object]>([
    [
      'www.bad.example',
      'tls',
      {
        allowed: false,
        reason: 'denied by .bad.example (DomainFilter corp-deny)',
        sid: GENERATED_SID_MIN,
        filter: 'corp-deny',
        pattern: '.bad.example',
      },
    ],
    ['x.good.example', 'http', { allowed: false, sid: GENERATED_SID_MIN + 6, pattern: 'x.good.example' }],
    [
      'y.good.example',
      'http',
      { allowed: true, reason: 'allowed by *.good.example (DomainFilter corp-allow)', sid: GENERATED_SID_MIN + 12 },
    ],
    ['OK.test', 'tls', { allowed: true, filter: 'b', pattern: '.ok.test' }],
    ['other.example', 'tls', { allowed: false, reason: 'not on any allow list', sid: GENERATED_SID_MIN + 14 }],
    ['', 'tls', { allowed: false, reason: 'not on any allow list' }],
    ['other.example', 'dns', { allowed: true, reason: 'DNS queries are not filtered' }],
  ])('%s over %s', (name, protocol, expected) => {
    expect(explainDomain(INPUT, name, protocol)).toMatchObject(expected);
  });

  it('agrees with evaluateDomainPolicy and with what the rules do, for any names and patterns', () => {
    const label = fc.constantFrom('a', 'b', 'ex', 'A');
    const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
    const pattern = fc.record({
      match: fc.constantFrom('exact' as const, 'suffix' as const, 'subdomains' as const),
      domain: domain.map((d) => d.toLowerCase()),
    });
    const sourced = fc.array(fc.record({ pattern, filter: fc.constantFrom('f1', 'f2') }), { maxLength: 4 });
    const input = fc.record({ deny: sourced, allow: fc.option(sourced, { nil: undefined }), dns: fc.boolean() });
    const protocol = fc.constantFrom<DomainProtocol>('tls', 'http', 'dns');
    fc.assert(
      fc.property(input, domain, protocol, (inp, name, proto) => {
        const policy = { deny: inp.deny.map((p) => p.pattern), allow: inp.allow?.map((p) => p.pattern) };
        const explanation = explainDomain(inp, name, proto);
        const filtered = proto !== 'dns' || inp.dns;
        const expected = filtered ? evaluateDomainPolicy(policy, name).allowed : true;
        expect(explanation.allowed).toBe(expected);
        const rules = compileDomainRules(inp);
        expect(simulate(rules, proto, name)).toBe(expected ? 'pass' : 'drop');
        if (explanation.sid !== undefined) {
          const rule = rules[explanation.sid - GENERATED_SID_MIN]!;
          expect(rule).toContain(`sid:${explanation.sid};`);
          expect(rule).toContain(`(${proto === 'tls' ? 'tls.sni' : proto === 'http' ? 'http.host' : 'dns.query'})`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('drops TLS without SNI under an allow list only', () => {
    expect(simulate(compileDomainRules(INPUT), 'tls', undefined)).toBe('drop');
    expect(simulate(compileDomainRules({ deny: INPUT.deny, dns: false }), 'tls', undefined)).toBe('pass');
  });
});
