import { describe, expect, it } from '@jest/globals';
import type { IpvsService } from './ipvs-port.js';
import { planIpvs } from './ipvs-plan.js';
import type { KernelService } from './types.js';

const MARK = 0x4c420000 + 7;
const service = (targets: KernelService['targets'], scheduler: KernelService['scheduler'] = 'wlc'): KernelService => ({
  id: 7,
  protocol: 'TCP',
  port: 80,
  scheduler,
  sourceNat: false,
  targets,
});
const real = (address: string, weight: number, forward: 'masq' | 'gate' = 'masq') => ({
  address,
  port: 80,
  weight,
  forward,
});
const ours = (realServers: IpvsService['realServers'], scheduler = 'wlc'): IpvsService => ({
  fwmark: MARK,
  ipv6: false,
  scheduler,
  realServers,
});

describe('planIpvs', () => {
  it('adds a missing service and its real servers, masqueraded', () => {
    expect(planIpvs([service([{ address: '10.0.0.1', port: 80, weight: 2 }])], [])).toEqual([
      `-A -f ${MARK} -s wlc`,
      `-a -f ${MARK} -r 10.0.0.1:80 -m -w 2`,
    ]);
  });

  it('sends only the diff: a weight edit, a removal, an addition, a scheduler change', () => {
    const observed = [ours([real('10.0.0.1', 1), real('10.0.0.2', 1), real('10.0.0.4', 1, 'gate')], 'rr')];
    const desired = service(
      [
        { address: '10.0.0.1', port: 80, weight: 1 },
        { address: '10.0.0.3', port: 80, weight: 1 },
        { address: '10.0.0.4', port: 80, weight: 0 },
      ],
      'wlc',
    );
    expect(planIpvs([desired], observed)).toEqual([
      `-E -f ${MARK} -s wlc`,
      `-d -f ${MARK} -r 10.0.0.2:80`,
      `-a -f ${MARK} -r 10.0.0.3:80 -m -w 1`,
      `-e -f ${MARK} -r 10.0.0.4:80 -m -w 0`,
    ]);
  });

  it('is empty when IPVS matches', () => {
    expect(planIpvs([service([{ address: '10.0.0.1', port: 80, weight: 3 }])], [ours([real('10.0.0.1', 3)])])).toEqual(
      [],
    );
  });

  it('deletes our services nobody wants, and never touches other marks, address services or IPv6', () => {
    const foreign: IpvsService[] = [
      { fwmark: 5, ipv6: false, scheduler: 'rr', realServers: [] },
      { fwmark: 0x4c430001, ipv6: false, scheduler: 'rr', realServers: [] },
      { fwmark: 0x4c420000, ipv6: false, scheduler: 'rr', realServers: [] },
      { fwmark: 0x4c420009, ipv6: true, scheduler: 'rr', realServers: [] },
      { virtual: '-t 10.9.9.9:80', ipv6: false, scheduler: 'rr', realServers: [] },
    ];
    expect(planIpvs([], [...foreign, ours([real('10.0.0.1', 1)])])).toEqual([`-D -f ${MARK}`]);
  });
});
