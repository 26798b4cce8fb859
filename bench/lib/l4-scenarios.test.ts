import { describe, expect, it } from '@jest/globals';
import { CONN_PORT, IPERF_PORT, L4_SCENARIO_NAMES, l4Scenarios } from './l4-scenarios.js';
import { labSteps, LAB_GATEWAY_IP, targetIp } from './lb-lab.js';

const lab = { gatewayIp: LAB_GATEWAY_IP, targetIps: [targetIp(1), targetIp(2), targetIp(3)] };

describe('l4Scenarios', () => {
  it('sends direct traffic to the targets themselves and balanced traffic to the listeners', () => {
    const [bare, direct, lb, snat] = l4Scenarios(lab, [...L4_SCENARIO_NAMES]);
    for (const s of [bare!, direct!]) {
      expect(s.conn).toEqual(lab.targetIps.map((host) => ({ host, port: CONN_PORT })));
      expect(s.iperf).toEqual({ host: '10.78.1.2', port: IPERF_PORT });
    }
    for (const s of [lb!, snat!]) {
      expect(s.conn).toEqual([{ host: LAB_GATEWAY_IP, port: CONN_PORT }]);
      expect(s.iperf).toEqual({ host: LAB_GATEWAY_IP, port: IPERF_PORT });
    }
    expect(bare!.services).toBeUndefined();
    expect(direct!.services).toEqual(lb!.services);
    expect(snat!.services?.every((s) => s.sourceNat)).toBe(true);
  });

  it('gives every scenario its own client address, the same whatever the order asked', () => {
    const sources = l4Scenarios(lab, [...L4_SCENARIO_NAMES]).map((s) => s.source);
    expect(new Set(sources).size).toBe(L4_SCENARIO_NAMES.length);
    expect(l4Scenarios(lab, ['lb', 'bare']).map((s) => s.source)).toEqual([sources[2], sources[0]]);
  });

  it('refuses an unknown scenario', () => {
    expect(() => l4Scenarios(lab, ['lb', 'ipvs'])).toThrow(/unknown scenario ipvs/);
  });
});

describe('labSteps', () => {
  const { namespaces, steps } = labSteps('ab12', 3);

  it('creates the gateway, the client and one namespace per target first', () => {
    expect(namespaces).toEqual(['csgw-lg-ab12', 'csgw-lc-ab12', 'csgw-lt1-ab12', 'csgw-lt2-ab12', 'csgw-lt3-ab12']);
    expect(steps.slice(0, 5)).toEqual(namespaces.map((ns) => ['ip', 'netns', 'add', ns]));
  });

  it('names interfaces within the kernel limit of 15 characters', () => {
    const names = steps.flatMap((s) => s.flatMap((arg, i) => (s[i - 1] === 'add' || s[i - 1] === 'name' ? [arg] : [])));
    const links = names.filter((n) => !n.includes('/') && !n.startsWith('csgw-') && !/^\d/.test(n));
    expect(links.length).toBeGreaterThanOrEqual(8);
    for (const n of links) expect(n.length).toBeLessThanOrEqual(15);
  });

  it('routes every target back through the gateway (no source NAT needed)', () => {
    for (const k of [1, 2, 3])
      expect(steps).toContainEqual([
        'ip',
        'netns',
        'exec',
        `csgw-lt${k}-ab12`,
        'ip',
        'route',
        'add',
        'default',
        'via',
        `10.78.${k}.1`,
      ]);
  });
});
