import { describe, expect, it } from '@jest/globals';
import { numberToIpv4, ipv4ToNumber } from '../../runtime/net/cidr.js';
import { compileFirewall } from './compile/compile.js';
import { firewallDetails } from './status.js';
import type { FirewallDesired } from './types.js';

describe('firewallDetails of a sharded group', () => {
  it('shows one group with the sum of its shards counters, and no per-shard entries', () => {
    const rules = Array.from({ length: 2100 }, (_, i) => ({
      id: `big/rules[${i}]`,
      action: 'deny' as const,
      sources: [`${numberToIpv4(ipv4ToNumber('10.0.0.0') + i)}/32`],
      destinations: [],
      protocol: 'any' as const,
      ports: [],
    }));
    const policy: FirewallDesired = { forward: { rules, defaultAction: 'allow' } };
    const compiled = compileFirewall(policy);
    expect(compiled.groups[0]).toMatchObject({ set: 'f0', ruleIndex: 1, shards: 4 });
    const counters = [1, 2, 3, 4, 5].map((index) => ({ chain: 'forward', index, packets: index, bytes: 10 * index }));
    const observed = { table: { table: compiled.table, counters } };
    const details = firewallDetails(compiled, { policy, rejected: [] }, observed);
    expect(details).toMatchObject({
      groupCount: 1,
      groups: [expect.objectContaining({ set: 'f0', rules: 2100, packets: 10, bytes: 100 })],
      counters: { forward_f0_packets: 10, forward_deny_packets: 10, forward_default_packets: 5 },
    });
    expect(JSON.stringify(details)).not.toMatch(/f0s\d/);
  });
});
