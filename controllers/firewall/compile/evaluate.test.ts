import { describe, expect, it } from '@jest/globals';
import type { NftTable } from '../../../renderers/nft/model.js';
import type { CompiledFirewall, FirewallDesired, FirewallPacket, FirewallVerdict, PolicyRule } from '../types.js';
import { compileFirewall } from './compile.js';
import { evaluateCompiled } from './evaluate.js';

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
      rule('a1', { sources: ['10.0.0.0/8'], destinations: ['192.168.0.0/16'], protocol: 'tcp' }),
      rule('d1', { action: 'deny', destinations: ['192.168.0.0/16'] }),
      rule('a2', { destinations: ['192.168.1.0/24'], protocol: 'udp', ports: [{ first: 53, last: 53 }] }),
      rule('r1', {
        action: 'reject',
        destinations: ['172.16.0.0/12'],
        protocol: 'tcp',
        ports: [{ first: 0, last: 0 }],
      }),
      // Overlaps no other rule, so it joins the first allow group.
      rule('a3', { destinations: ['8.8.8.8/32'] }),
    ],
    defaultAction: 'deny',
  },
  input: { rules: [rule('ssh', { protocol: 'tcp', ports: [{ first: 22, last: 22 }] })], defaultAction: 'reject' },
};
const compiled = compileFirewall(desired);

const packet = (src: string, dst: string, protocol: FirewallPacket['protocol'], dport?: number): FirewallPacket => ({
  src,
  dst,
  protocol,
  ...(dport === undefined ? {} : { dport }),
});

describe('evaluateCompiled', () => {
  it.each<[string, FirewallPacket, FirewallVerdict]>([
    ['a lookup hit', packet('10.1.1.1', '192.168.5.5', 'tcp', 443), { action: 'allow', ruleId: 'a1', group: 'f0' }],
    ['a later group', packet('11.1.1.1', '192.168.5.5', 'tcp', 443), { action: 'deny', ruleId: 'd1', group: 'f1' }],
    [
      'the deny shadows a2 for udp',
      packet('11.1.1.1', '192.168.1.1', 'udp', 53),
      { action: 'deny', ruleId: 'd1', group: 'f1' },
    ],
    [
      'icmp meets any-protocol rules',
      packet('11.1.1.1', '8.8.8.8', 'icmp'),
      { action: 'allow', ruleId: 'a3', group: 'f0' },
    ],
    [
      'a tcp packet without dport is port 0',
      packet('1.1.1.1', '172.16.0.1', 'tcp'),
      { action: 'reject', ruleId: 'r1', group: 'f3' },
    ],
    ['the default rule', packet('1.1.1.1', '1.1.1.1', 'udp', 1), { action: 'deny' }],
  ])('%s', (_name, p, verdict) => {
    expect(evaluateCompiled(compiled, 'forward', p, desired)).toEqual(verdict);
  });

  it('names the deciding rule even when a later rule of its action was hoisted into the group that matched', () => {
    const hoisted: FirewallDesired = {
      forward: {
        rules: [
          rule('a0', { sources: ['192.0.2.0/24'] }),
          rule('d', { action: 'deny', sources: ['10.0.0.0/8'], destinations: ['5.5.5.5/32'], protocol: 'tcp' }),
          rule('rx', { sources: ['10.0.0.0/8'], destinations: ['5.5.5.0/24'] }),
          rule('ry', { sources: ['10.1.0.0/16'], destinations: ['5.5.5.0/24'], protocol: 'udp' }),
        ],
        defaultAction: 'deny',
      },
    };
    const table = compileFirewall(hoisted);
    expect(table.groups.map((g) => `${g.set}: ${g.ruleIds.join(',')}`)).toEqual(['f0: a0,ry', 'f1: d', 'f2: rx']);
    expect(evaluateCompiled(table, 'forward', packet('10.1.1.1', '5.5.5.9', 'udp', 53), hoisted)).toEqual({
      action: 'allow',
      ruleId: 'rx',
      group: 'f0',
    });
  });

  it('reads the input chain, whose loopback and established rules never match a new packet', () => {
    expect(evaluateCompiled(compiled, 'input', packet('1.1.1.1', '10.0.0.1', 'tcp', 22), desired)).toEqual({
      action: 'allow',
      ruleId: 'ssh',
      group: 'i0',
    });
    expect(evaluateCompiled(compiled, 'input', packet('1.1.1.1', '10.0.0.1', 'tcp', 23), desired)).toEqual({
      action: 'reject',
    });
  });

  it('lets everything through a hook without a chain', () => {
    const forwardOnly = compileFirewall({ forward: desired.forward });
    expect(evaluateCompiled(forwardOnly, 'input', packet('1.1.1.1', '10.0.0.1', 'udp', 1), desired)).toEqual({
      action: 'allow',
    });
  });

  it('interprets the table, not the group metadata', () => {
    const edited: CompiledFirewall = structuredClone(compiled);
    const f0 = edited.table.sets.find((s) => s.name === 'f0');
    if (f0) f0.elements = ['11.0.0.0/8 . 192.168.0.0/16 . 6 . 0-65535'];
    expect(evaluateCompiled(edited, 'forward', packet('11.1.1.1', '192.168.5.5', 'tcp', 443), desired)).toEqual({
      action: 'allow',
      group: 'f0',
    });
  });

  it('matches an icmp packet only against a full port component: th dport is whatever bytes sit there', () => {
    const table: NftTable = structuredClone(compiled.table);
    const f0 = table.sets.find((s) => s.name === 'f0');
    if (f0) f0.elements = ['0.0.0.0/0 . 0.0.0.0/0 . 1 . 0-100', '0.0.0.0/0 . 8.8.8.8/32 . 1 . 0-65535'];
    const icmp = (dst: string): FirewallVerdict =>
      evaluateCompiled({ ...compiled, table }, 'forward', packet('11.1.1.1', dst, 'icmp'), desired);
    expect(icmp('9.9.9.9').group).toBeUndefined();
    expect(icmp('8.8.8.8')).toEqual({ action: 'allow', ruleId: 'a3', group: 'f0' });
  });

  it('refuses statements it cannot interpret instead of guessing', () => {
    const table: NftTable = structuredClone(compiled.table);
    table.chains[0]?.rules.splice(1, 0, { expr: [{ match: { op: '==', left: { meta: { key: 'mark' } }, right: 1 } }] });
    expect(() =>
      evaluateCompiled({ ...compiled, table }, 'forward', packet('1.1.1.1', '2.2.2.2', 'tcp', 1), desired),
    ).toThrow(/cannot interpret expression/);
  });
});
