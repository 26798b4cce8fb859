import { describe, expect, it } from '@jest/globals';
import { firstMatch } from '../../controllers/firewall/compile/first-match.js';
import { compileFirewall } from '../../controllers/firewall/compile/compile.js';
import { listenClashes, masqueradeClashes } from '../../controllers/port-forward/forwards.js';
import { canonicalCidr, cidrRange, rangesOverlap } from '../../runtime/net/cidr.js';
import { parseIperf } from './iperf.js';
import { naiveFirewallTable, withoutEstablished } from './naive-tables.js';
import { firewallRules, portForwards } from './rule-gen.js';

describe('firewallRules', () => {
  const rules = firewallRules(2000, 42, { avoid: ['10.128.0.0/16'] });

  it('is the same list for the same seed and another for another seed', () => {
    expect(firewallRules(2000, 42, { avoid: ['10.128.0.0/16'] })).toEqual(rules);
    expect(firewallRules(2000, 43)).not.toEqual(firewallRules(2000, 42));
  });

  it('gives valid PolicyRules: canonical, pairwise disjoint address lists, ports only on tcp/udp', () => {
    expect(rules).toHaveLength(2000);
    for (const rule of rules) {
      for (const list of [rule.sources, rule.destinations]) {
        expect(list.map(canonicalCidr)).toEqual(list);
        list.forEach((a, i) =>
          list.slice(i + 1).forEach((b) => expect(rangesOverlap(cidrRange(a), cidrRange(b))).toBe(false)),
        );
      }
      if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') expect(rule.ports).toEqual([]);
    }
  });

  it('is mostly deny with allow exceptions, and keeps out of the avoided range', () => {
    const allows = rules.filter((r) => r.action === 'allow').length;
    expect(allows / rules.length).toBeGreaterThan(0.08);
    expect(allows / rules.length).toBeLessThan(0.25);
    const packet = { src: '10.128.0.5', dst: '10.128.0.9', protocol: 'tcp' as const, dport: 5201 };
    expect(firstMatch({ rules, defaultAction: 'allow' }, packet).ruleId).toBeUndefined();
  });

  it('compiles, and its naive table has one rule per policy rule after the established rule', () => {
    const policy = { rules: rules.slice(0, 300), defaultAction: 'allow' as const };
    expect(compileFirewall({ forward: policy }).table.sets.length).toBeGreaterThan(0);
    const naive = naiveFirewallTable(policy);
    expect(naive.chains[0]?.rules).toHaveLength(302);
    expect(withoutEstablished(naive).chains[0]?.rules).toHaveLength(301);
  });
});

describe('portForwards', () => {
  it('gives forwards the PortForward controller would admit together', () => {
    const forwards = portForwards(3000, 7);
    expect(listenClashes(forwards)).toEqual([]);
    expect(masqueradeClashes(forwards)).toEqual([]);
    expect(new Set(forwards.map((f) => f.destinationIp)).size).toBe(3000);
  });
});

describe('parseIperf', () => {
  it('reads what the server received for TCP, and the loss for UDP', () => {
    const tcp = {
      end: { sum_sent: { bits_per_second: 2e10, retransmits: 3 }, sum_received: { bits_per_second: 1.9e10 } },
    };
    expect(parseIperf(JSON.stringify(tcp))).toMatchObject({ sentBps: 2e10, receivedBps: 1.9e10, retransmits: 3 });
    const udp = { end: { sum: { bits_per_second: 1e9, lost_percent: 10 } } };
    expect(parseIperf(JSON.stringify(udp))).toMatchObject({ sentBps: 1e9, receivedBps: 9e8, lostPercent: 10 });
    expect(() => parseIperf(JSON.stringify({ error: 'unable to connect' }))).toThrow(/unable to connect/);
  });
});
