import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot } from '../../runtime/controller.js';
import { formatExplanation } from './format.js';
import type { Mechanism } from '../../controllers/load-balancer/types.js';
import { buildExplainModel } from './model.js';
import { explainPacket, type ExplainPacket, type Explanation } from './packet-path.js';

const snapshot = (kind: string, specs: Record<string, unknown>): KindSnapshot => ({
  kind,
  resources: Object.entries(specs).map(([name, spec]) => ({ name, generation: 1, value: JSON.stringify(spec) })),
});

/** Two web targets (10.0.1.6 denied by the firewall), a PortForward on the balanced port, an input chain. */
const SPECS: KindSnapshot[] = [
  snapshot('LoadBalancer', {
    web: { listener: { port: 80 }, targets: { static: [{ address: '10.0.1.5' }, { address: '10.0.1.6' }] } },
    one: { listener: { port: 81 }, targets: { static: [{ address: '10.0.1.5' }] }, sourceNat: true },
    drained: { listener: { port: 82 }, targets: { static: [{ address: '10.0.1.5', weight: 0 }] } },
  }),
  snapshot('PortForward', { web: { rules: [{ listenPort: 80, destinationIp: '10.0.1.99' }] } }),
  snapshot('FirewallPolicy', {
    base: {
      rules: [{ action: 'deny', destinationCidrs: ['10.0.1.6/32'], comment: 'quarantined' }],
      input: { rules: [{ action: 'allow', protocol: 'tcp', destinationPorts: [80, 82] }] },
    },
  }),
  snapshot('SourceNat', { default: { enable: true, sourceCidrs: ['10.0.0.0/16'] } }),
];

const packet = (dport: number, src = '203.0.113.9'): ExplainPacket => ({
  src,
  dst: '10.0.0.10',
  protocol: 'tcp',
  dport,
  dstIsLocal: true,
});

function explain(dport: number, mechanism: Mechanism, src?: string): Explanation {
  const { model } = buildExplainModel(SPECS, [], { mechanism });
  return explainPacket(model, packet(dport, src));
}

describe('explainPacket with a LoadBalancer on nftables', () => {
  it('balances before PortForward, then filters each possible target as the forward chain sees it', () => {
    const e = explain(80, 'nftables');
    expect(e.dnat).toEqual({ forwarded: false, reason: 'LoadBalancer/web translated it first' });
    if (!('targets' in e)) throw new Error('one path per target expected');
    expect(e.targets.map((t) => [t.target.address, t.chain, t.filtered.dst, t.filter.action])).toEqual([
      ['10.0.1.5', 'forward', '10.0.1.5', 'allow'],
      ['10.0.1.6', 'forward', '10.0.1.6', 'deny'],
    ]);
    // sourceNat false: SourceNat's own chain decides, and the client is not one of its sources.
    expect(e.targets[0]?.snat).toEqual({
      translated: false,
      by: 'SourceNat',
      how: '203.0.113.9 is not in the source networks',
    });
    expect(formatExplanation(e)).toBe(
      [
        'packet:  tcp 203.0.113.9 -> 10.0.0.10:80 (an address of the gateway)',
        'lb:      LoadBalancer/web TCP *:80, nftables path (--lb-path), scheduler rr; targets from the spec: 10.0.1.5:80 w1, 10.0.1.6:80 w1',
        'dnat:    to one of 2 targets by LoadBalancer/web (round robin: each new connection takes the next target, client address kept)',
        'forward: 10.0.1.5:80: allow by FirewallPolicy the forward default action',
        'snat:    10.0.1.5:80: none: 203.0.113.9 is not in the source networks (SourceNat)',
        'verdict: 10.0.1.5:80: ALLOW (forwarded to 10.0.1.5:80)',
        'forward: 10.0.1.6:80: deny by FirewallPolicy rule base/rules[0] "quarantined" (set lookup f0)',
        'verdict: 10.0.1.6:80: DENY (dropped)',
        '',
      ].join('\n'),
    );
  });

  it('follows a named target as PortForward would, masquerading a sourceNat service itself', () => {
    const e = explain(81, 'nftables');
    expect(e).toMatchObject({
      chain: 'forward',
      filtered: { dst: '10.0.1.5', dport: 81 },
      snat: { translated: true, by: 'LoadBalancer' },
    });
    expect(formatExplanation(e)).toContain(
      'dnat:    to 10.0.1.5:81 by LoadBalancer/one (the only target with weight > 0)\n',
    );
  });

  it('drops in prerouting when no target takes new connections: the firewall never sees it', () => {
    const e = explain(82, 'nftables');
    expect(e).toMatchObject({ targets: [] });
    expect(formatExplanation(e)).toContain(
      'verdict: DENY (dropped by LoadBalancer/drained: no target takes new connections (all have weight 0))\n',
    );
  });
});

describe('explainPacket with a LoadBalancer on IPVS', () => {
  it('lets a PortForward on the same port translate first, and says so', () => {
    const e = explain(80, 'ipvs');
    expect(e.dnat).toMatchObject({ forwarded: true, destinationIp: '10.0.1.99' });
    expect(e.lb).toEqual({
      hit: false,
      reason:
        'LoadBalancer/web listens here, but on the IPVS path PortForward/web translates the connection in ' +
        'prerouting, before IPVS sees it on the input hook',
    });
    expect(e).toMatchObject({ chain: 'forward', filtered: { dst: '10.0.1.99' } });
  });

  it('filters on the input chain with the listener as destination; IPVS then forwards past the IPS', () => {
    const allowed = explain(82, 'ipvs');
    expect(allowed).toMatchObject({
      chain: 'input',
      filtered: { dst: '10.0.0.10', dport: 82 },
      filter: { action: 'allow' },
    });
    expect(formatExplanation(allowed)).toContain('verdict: REJECT (IPVS answers icmp port-unreachable');
    const denied = explain(81, 'ipvs');
    expect(denied).toMatchObject({ chain: 'input', filter: { action: 'deny' } });
    expect(denied).not.toHaveProperty('snat');
    expect(formatExplanation(denied)).toContain(
      'dnat:    none in prerouting: LoadBalancer/one marks the connection for IPVS, which takes it after the input chain\n',
    );
    expect(formatExplanation(denied)).toContain('verdict: DENY (dropped)\n');
  });

  it('names what IPVS balances an allowed connection to', () => {
    const specs = [...SPECS.filter((s) => s.kind !== 'PortForward')];
    const { model } = buildExplainModel(specs, [], { mechanism: 'ipvs' });
    const e = explainPacket(model, packet(80));
    expect(e).toMatchObject({ chain: 'input', snat: { translated: false, by: 'LoadBalancer' } });
    expect(formatExplanation(e)).toContain(
      'verdict: ALLOW (balanced by IPVS to one of 10.0.1.5:80, 10.0.1.6:80: round robin: each new connection takes the next target)\n',
    );
  });
});
