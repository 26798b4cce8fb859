import { describe, expect, it } from '@jest/globals';
import type { ChainPolicy, FirewallPacket, FirewallVerdict, PolicyRule } from '../types.js';
import { firstMatch } from './first-match.js';

const rule = (id: string, fields: Partial<PolicyRule>): PolicyRule => ({
  id,
  action: 'allow',
  sources: [],
  destinations: [],
  protocol: 'any',
  ports: [],
  ...fields,
});

const policy: ChainPolicy = {
  rules: [
    rule('web', { sources: ['10.0.0.0/16'], protocol: 'tcp', ports: [{ first: 80, last: 90 }] }),
    rule('dns', {
      action: 'reject',
      destinations: ['10.9.0.53/32'],
      protocol: 'udp',
      ports: [{ first: 53, last: 53 }],
    }),
    rule('ping', { protocol: 'icmp', destinations: ['10.9.0.0/24'], ports: [{ first: 7, last: 7 }] }),
    rule('zero', { action: 'reject', protocol: 'tcp', ports: [{ first: 0, last: 0 }] }),
    rule('lan', { action: 'deny', sources: ['10.0.0.0/8'] }),
  ],
  defaultAction: 'allow',
};

const packet = (src: string, dst: string, protocol: FirewallPacket['protocol'], dport?: number): FirewallPacket => ({
  src,
  dst,
  protocol,
  ...(dport === undefined ? {} : { dport }),
});

describe('firstMatch', () => {
  it.each<[string, FirewallPacket, FirewallVerdict]>([
    ['the first matching rule decides', packet('10.0.1.1', '1.1.1.1', 'tcp', 80), { action: 'allow', ruleId: 'web' }],
    ['port ranges are inclusive', packet('10.0.1.1', '1.1.1.1', 'tcp', 90), { action: 'allow', ruleId: 'web' }],
    [
      'outside the port range, later rules',
      packet('10.0.1.1', '1.1.1.1', 'tcp', 91),
      { action: 'deny', ruleId: 'lan' },
    ],
    ['protocol must agree', packet('10.0.1.1', '1.1.1.1', 'udp', 80), { action: 'deny', ruleId: 'lan' }],
    ['udp with port', packet('192.0.2.1', '10.9.0.53', 'udp', 53), { action: 'reject', ruleId: 'dns' }],
    ['icmp rules ignore ports', packet('192.0.2.1', '10.9.0.9', 'icmp'), { action: 'allow', ruleId: 'ping' }],
    [
      'a tcp packet without dport has port 0',
      packet('192.0.2.1', '1.1.1.1', 'tcp'),
      { action: 'reject', ruleId: 'zero' },
    ],
    ['protocol any matches icmp', packet('10.200.0.1', '1.1.1.1', 'icmp'), { action: 'deny', ruleId: 'lan' }],
    ['the default when nothing matches', packet('192.0.2.1', '1.1.1.1', 'udp', 9), { action: 'allow' }],
  ])('%s', (_name, p, verdict) => {
    expect(firstMatch(policy, p)).toEqual(verdict);
  });

  it('an empty policy is its default', () => {
    expect(firstMatch({ rules: [], defaultAction: 'reject' }, packet('1.1.1.1', '2.2.2.2', 'icmp'))).toEqual({
      action: 'reject',
    });
  });
});
