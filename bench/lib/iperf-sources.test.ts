import { describe, expect, it } from '@jest/globals';
import { iperfArgv, TRAFFIC_MODES } from './iperf.js';
import { iperfPorts, spareAddresses, sumIperf } from './iperf-sources.js';

describe('spareAddresses', () => {
  it('takes host addresses from the top of the subnet, skipping the broadcast and taken ones', () => {
    expect(spareAddresses('10.130.7.0/24', ['10.130.7.253'], 3)).toEqual([
      '10.130.7.254',
      '10.130.7.252',
      '10.130.7.251',
    ]);
    expect(spareAddresses('10.130.7.0/24', [], 0)).toEqual([]);
  });

  it('refuses when the subnet has too few free host addresses', () => {
    expect(spareAddresses('10.0.0.0/30', ['10.0.0.1'], 1)).toEqual(['10.0.0.2']);
    expect(() => spareAddresses('10.0.0.0/30', ['10.0.0.1'], 2)).toThrow(/fewer than 2 spare/);
  });
});

describe('iperfArgv', () => {
  it('binds a client to its source address and port; UDP unlimited', () => {
    const tcp = iperfArgv('10.1.0.5', TRAFFIC_MODES.tcp4src!, 8, { streams: 1, port: 5203, bind: '10.2.0.254' });
    expect(tcp.join(' ')).toBe('iperf3 -c 10.1.0.5 -p 5203 -t 8 -O 1 -P 1 -J --connect-timeout 3000 -B 10.2.0.254');
    const udp = iperfArgv('10.1.0.5', TRAFFIC_MODES.udp1!, 3, { streams: 1, port: 5201 });
    expect(udp.slice(-3)).toEqual(['-u', '-b', '0']);
    expect(udp).not.toContain('-B');
    expect(iperfPorts(3)).toEqual([5201, 5202, 5203]);
  });
});

describe('sumIperf', () => {
  it('adds rates and retransmits of clients that ran side by side', () => {
    const sum = sumIperf([
      { receivedBps: 1e9, sentBps: 1e9, retransmits: 3, cpuClient: 40 },
      { receivedBps: 2e9, sentBps: 2e9, retransmits: 0, cpuClient: 50 },
    ]);
    expect(sum).toEqual({ receivedBps: 3e9, sentBps: 3e9, retransmits: 3 });
  });

  it('gives UDP loss from the summed rates, and no retransmits where none were counted', () => {
    const sum = sumIperf([
      { receivedBps: 0.9e9, sentBps: 1e9, lostPercent: 10 },
      { receivedBps: 0.7e9, sentBps: 1e9, lostPercent: 30 },
    ]);
    expect(sum).toEqual({ receivedBps: 1.6e9, sentBps: 2e9, lostPercent: 20 });
  });
});
