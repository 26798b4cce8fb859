import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fullModel } from './fixtures.js';
import type { SuricataModel } from './model.js';
import { renderSuricata } from './render.js';

const base = fullModel();

/** One string of the model that reaches a rendered file, and how to put another value in its place. */
interface Field {
  name: string;
  get: (m: SuricataModel) => string;
  set: (m: SuricataModel, v: string) => SuricataModel;
}

const path = (key: 'revisionDir' | 'runDir' | 'logDir' | 'classificationFile' | 'referenceFile'): Field => ({
  name: key,
  get: (m) => m[key],
  set: (m, v) => ({ ...m, [key]: v }),
});

const FIELDS: Field[] = [
  path('revisionDir'),
  path('runDir'),
  path('logDir'),
  path('classificationFile'),
  path('referenceFile'),
  { name: 'homeNets', get: (m) => m.homeNets[0]!, set: (m, v) => ({ ...m, homeNets: [...m.homeNets, v] }) },
  {
    name: 'packagedRules.name',
    get: () => 'dns-events.rules',
    set: (m, v) => ({ ...m, packagedRules: [...m.packagedRules, { name: v, content: '' }] }),
  },
  {
    name: 'localRules.source',
    get: () => 'spec.rules[9]',
    set: (m, v) => ({
      ...m,
      localRules: [...m.localRules, { source: v, text: 'alert ip any any -> any any (msg:"x"; sid:5;)' }],
    }),
  },
];

/** Characters that end a YAML scalar, start a comment or a flow collection, quote, or split a line. */
const BAD = ['\n', '\r', '\t', '\0', '\x7f', '\u2028', '#', '"', "'", ' ', ';', '{', '}', '(', '&', '*', '`', '$'];

describe('renderSuricata refuses values suricata.yaml and the rule files cannot carry', () => {
  it.each(FIELDS.map((f) => [f.name, f] as const))('%s', (_, field) => {
    expect(() => renderSuricata(field.set(base, field.get(base)))).not.toThrow();
    for (const bad of BAD) {
      // A rule source may hold spaces ("RuleSet web/rules line 2"): they are inside a comment line.
      if (bad === ' ' && field.name === 'localRules.source') continue;
      expect(() => renderSuricata(field.set(base, `${field.get(base)}${bad}x`))).toThrow(/suricata model: /);
    }
    expect(() => renderSuricata(field.set(base, ''))).toThrow(/suricata model: /);
  });

  it('refuses relative paths, dot segments and a socket path over 107 bytes', () => {
    expect(() => renderSuricata({ ...base, logDir: 'var/log' })).toThrow(/logDir/);
    expect(() => renderSuricata({ ...base, revisionDir: '/var/lib/../../etc' })).toThrow(/revisionDir/);
    expect(() => renderSuricata({ ...base, revisionDir: '/var/lib/' })).toThrow(/revisionDir/);
    expect(() => renderSuricata({ ...base, runDir: `/${'r'.repeat(90)}` })).not.toThrow();
    expect(() => renderSuricata({ ...base, runDir: `/${'r'.repeat(91)}` })).toThrow(/unix socket/);
  });

  it.each<[string, Partial<SuricataModel>, RegExp]>([
    ['no home net', { homeNets: [] }, /homeNets .* is empty/],
    ['a home net CIDR out of range', { homeNets: ['10.0.0.0/40'] }, /homeNets\[0\]/],
    ['a home net list', { homeNets: ['[10.0.0.0/8]'] }, /homeNets\[0\]/],
    ['a negative queue', { queues: { first: -1, count: 1 } }, /queues\.first/],
    ['queue 65536', { queues: { first: 65536, count: 1 } }, /queues\.first/],
    ['queues past 65535', { queues: { first: 65535, count: 2 } }, /ends past queue 65535/],
    ['no queue', { queues: { first: 0, count: 0 } }, /queues\.count/],
    ['65 queues', { queues: { first: 0, count: 65 } }, /queues\.count/],
    ['a fractional queue', { queues: { first: 1.5, count: 1 } }, /queues\.first/],
    ['a zero stats interval', { statsIntervalSeconds: 0 }, /statsIntervalSeconds/],
    ['a NaN disabled sid', { disabledSids: [NaN] }, /disabledSids\[0\]/],
    ['an enabled sid 0', { enabledSids: [0] }, /enabledSids\[0\]/],
    ['an unknown mode', { mode: 'block' as 'detect' }, /mode/],
    [
      'a packaged file listed twice',
      { packagedRules: [base.packagedRules[0]!, base.packagedRules[0]!] },
      /listed twice/,
    ],
    [
      'a packaged file with a path',
      { packagedRules: [{ name: '../x.rules', content: '' }] },
      /packagedRules\[0\]\.name/,
    ],
    ['a packaged file that is no .rules', { packagedRules: [{ name: 'x.yaml', content: '' }] }, /packagedRules/],
    [
      'a local rule smuggling a second line',
      { localRules: [{ source: 's', text: 'alert ip any any -> any any (msg:"x"; sid:5;)\nrule-files: [x]' }] },
      /localRules: s: control character/,
    ],
    [
      'a local rule with a generated sid',
      { localRules: [{ source: 's', text: 'drop ip any any -> any any (msg:"x"; sid:9900000;)' }] },
      /reserved for generated rules/,
    ],
    [
      'two local rules with one sid',
      { localRules: [base.localRules[0]!, { ...base.localRules[0]!, source: 'spec.rules[5]' }] },
      /spec\.rules\[5\]: sid 1000001 is already used by spec\.rules\[0\]/,
    ],
  ])('refuses %s', (_, change, reason) => {
    expect(() => renderSuricata({ ...base, ...change })).toThrow(reason);
  });

  it('refuses an injected character anywhere in any field', () => {
    const field = fc.constantFrom(...FIELDS);
    const bad = fc.constantFrom(...BAD.filter((c) => c !== ' '));
    fc.assert(
      fc.property(field, bad, fc.nat(), (f, c, at) => {
        const value = f.get(base);
        const i = at % (value.length + 1);
        expect(() => renderSuricata(f.set(base, value.slice(0, i) + c + value.slice(i)))).toThrow(/suricata model: /);
      }),
      { numRuns: 300 },
    );
  });
});
