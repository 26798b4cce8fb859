import { describe, expect, it } from '@jest/globals';
import type { FirewallDesired, PolicyRule } from '../types.js';
import { compileFirewall } from './compile.js';

const rule = (id: string, fields: Partial<PolicyRule>): PolicyRule => ({
  id,
  action: 'allow',
  sources: [],
  destinations: [],
  protocol: 'any',
  ports: [],
  ...fields,
});

const desired: FirewallDesired = {
  forward: {
    rules: [
      rule('web/rules[0]', {
        sources: ['10.0.0.0/16'],
        destinations: ['192.168.1.10/32'],
        protocol: 'tcp',
        ports: [
          { first: 8000, last: 8080 },
          { first: 80, last: 80 },
        ],
        comment: 'user text "never" reaches nft',
      }),
      rule('web/rules[1]', { action: 'deny', destinations: ['192.168.1.0/24'], comment: 'drop the rest' }),
      rule('web/rules[2]', { action: 'reject', sources: ['10.0.0.0/8'], protocol: 'icmp' }),
    ],
    defaultAction: 'deny',
  },
  input: {
    rules: [
      rule('admin/input.rules[0]', { sources: ['10.0.0.0/8'], protocol: 'tcp', ports: [{ first: 22, last: 22 }] }),
    ],
    defaultAction: 'reject',
  },
};

// Statement shapes as `nft -j list table inet csgw_filter` (nft 1.0.6) prints them back after loading this table.
const lookupKey = {
  concat: [
    { payload: { protocol: 'ip', field: 'saddr' } },
    { payload: { protocol: 'ip', field: 'daddr' } },
    { meta: { key: 'l4proto' } },
    { payload: { protocol: 'th', field: 'dport' } },
  ],
};
const lookup = (set: string): unknown => ({ match: { op: '==', left: lookupKey, right: `@${set}` } });
const established = { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } };
const loopback = { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'lo' } };
const icmpv6 = { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 58 } };
const reject = { reject: { type: 'icmpx', expr: 'admin-prohibited' } };
const setType = ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'];

const golden = {
  family: 'inet',
  name: 'csgw_filter',
  sets: [
    {
      name: 'f0',
      type: setType,
      flags: ['interval'],
      elements: ['10.0.0.0/16 . 192.168.1.10/32 . 6 . 80', '10.0.0.0/16 . 192.168.1.10/32 . 6 . 8000-8080'],
    },
    { name: 'f1', type: setType, flags: ['interval'], elements: ['0.0.0.0/0 . 192.168.1.0/24 . 0-255 . 0-65535'] },
    { name: 'f2', type: setType, flags: ['interval'], elements: ['10.0.0.0/8 . 0.0.0.0/0 . 1 . 0-65535'] },
    { name: 'i0', type: setType, flags: ['interval'], elements: ['10.0.0.0/8 . 0.0.0.0/0 . 6 . 22'] },
  ],
  chains: [
    {
      name: 'forward',
      base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
      rules: [
        { comment: 'firewall/forward/established', expr: [established, { accept: null }] },
        { comment: 'firewall/forward/f0', expr: [lookup('f0'), { counter: null }, { accept: null }] },
        { comment: 'firewall/forward/f1', expr: [lookup('f1'), { counter: null }, { drop: null }] },
        { comment: 'firewall/forward/f2', expr: [lookup('f2'), { counter: null }, reject] },
        { comment: 'firewall/forward/default', expr: [{ counter: null }, { drop: null }] },
      ],
    },
    {
      name: 'input',
      base: { type: 'filter', hook: 'input', prio: 0, policy: 'accept' },
      rules: [
        { comment: 'firewall/input/loopback', expr: [loopback, { accept: null }] },
        { comment: 'firewall/input/icmpv6', expr: [icmpv6, { accept: null }] },
        { comment: 'firewall/input/established', expr: [established, { accept: null }] },
        { comment: 'firewall/input/i0', expr: [lookup('i0'), { counter: null }, { accept: null }] },
        { comment: 'firewall/input/default', expr: [{ counter: null }, reject] },
      ],
    },
  ],
};

describe('compileFirewall', () => {
  it('builds the filter table in the shape nft lists it (golden)', () => {
    // Strict: plain objects of this realm, as the planner's isDeepStrictEqual against decoded listings needs.
    expect(compileFirewall(desired).table).toStrictEqual(golden);
  });

  it('describes each lookup: its set, action, chain rule index and policy rules', () => {
    expect(compileFirewall(desired).groups).toEqual([
      { chain: 'forward', set: 'f0', action: 'allow', ruleIndex: 1, ruleIds: ['web/rules[0]'] },
      { chain: 'forward', set: 'f1', action: 'deny', ruleIndex: 2, ruleIds: ['web/rules[1]'] },
      { chain: 'forward', set: 'f2', action: 'reject', ruleIndex: 3, ruleIds: ['web/rules[2]'] },
      { chain: 'input', set: 'i0', action: 'allow', ruleIndex: 3, ruleIds: ['admin/input.rules[0]'] },
    ]);
  });

  it('never copies user comments into nft', () => {
    expect(JSON.stringify(compileFirewall(desired).table)).not.toMatch(/never|drop the rest/);
  });

  it('has no input chain unless some policy opts in', () => {
    const { table } = compileFirewall({ forward: desired.forward });
    expect(table.chains.map((c) => c.name)).toEqual(['forward']);
    expect(table.sets.map((s) => s.name)).toEqual(['f0', 'f1', 'f2']);
  });

  it('compiles an empty policy to the established rule and the default', () => {
    const { table, groups } = compileFirewall({ forward: { rules: [], defaultAction: 'allow' } });
    expect(groups).toEqual([]);
    expect(table.sets).toEqual([]);
    expect(table.chains[0]?.rules).toEqual([
      { comment: 'firewall/forward/established', expr: [established, { accept: null }] },
      { comment: 'firewall/forward/default', expr: [{ counter: null }, { accept: null }] },
    ]);
  });

  it('expands sources x destinations x ports into canonical elements, sorted', () => {
    const { table } = compileFirewall({
      forward: {
        rules: [
          rule('r', {
            sources: ['10.0.2.0/24', '10.0.1.7/32'],
            destinations: ['172.16.0.0/12', '1.1.1.1/32'],
            protocol: 'udp',
            ports: [
              { first: 53, last: 53 },
              { first: 5000, last: 5100 },
            ],
          }),
        ],
        defaultAction: 'allow',
      },
    });
    expect(table.sets[0]?.elements).toEqual([
      '10.0.1.7/32 . 1.1.1.1/32 . 17 . 53',
      '10.0.1.7/32 . 1.1.1.1/32 . 17 . 5000-5100',
      '10.0.1.7/32 . 172.16.0.0/12 . 17 . 53',
      '10.0.1.7/32 . 172.16.0.0/12 . 17 . 5000-5100',
      '10.0.2.0/24 . 1.1.1.1/32 . 17 . 53',
      '10.0.2.0/24 . 1.1.1.1/32 . 17 . 5000-5100',
      '10.0.2.0/24 . 172.16.0.0/12 . 17 . 53',
      '10.0.2.0/24 . 172.16.0.0/12 . 17 . 5000-5100',
    ]);
  });

  it('keeps set names when only addresses change, so an edit is an element delta', () => {
    const edited = structuredClone(desired);
    (edited.forward.rules[0] as PolicyRule).sources = ['10.9.0.0/16'];
    const names = (d: FirewallDesired): string[] => compileFirewall(d).table.sets.map((s) => s.name);
    expect(names(edited)).toEqual(names(desired));
    expect(compileFirewall(edited).table.chains).toEqual(compileFirewall(desired).table.chains);
  });

  it('builds fresh statements: editing one compiled table leaves the next alone', () => {
    const first = compileFirewall(desired);
    (first.table.chains[0]?.rules[1]?.expr[0] as { match: { right: string } }).match.right = '@changed';
    expect(compileFirewall(desired).table).toEqual(golden);
  });
});
