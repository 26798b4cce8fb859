import { describe, expect, it } from '@jest/globals';
import { checkHostOptions, type HostOptions } from './host-options.js';

const good: HostOptions = {
  vpcCidr: ['10.0.0.0/16'],
  maxFirewallRules: '20000',
  maxPortForwards: '500',
  stateDir: '/var/lib/csgw',
  vllmCommand: ['vllm'],
  daemonDir: '/var/lib/csgw',
};

describe('checkHostOptions', () => {
  it('accepts well-formed options', () => {
    expect(() => checkHostOptions(good)).not.toThrow();
  });

  it('lists every problem at once, naming the flag', () => {
    const bad = {
      vpcCidr: ['10.0.0.1/16'],
      maxFirewallRules: '0',
      maxPortForwards: '1e3',
      daemonDir: 'csgw',
      stateDir: 'state',
      vllmCommand: ['vllm'],
    };
    expect(() => checkHostOptions(bad)).toThrow(
      [
        '--vpc-cidr[0]: 10.0.0.1/16 has host bits set; did you mean 10.0.0.0/16?',
        '--max-firewall-rules: 0 is not a number 1-1000000',
        '--max-port-forwards: 1e3 is not a number 1-1000000',
        '--daemon-dir: csgw is not an absolute path',
        '--state-dir: state is not an absolute path',
      ].join('\n'),
    );
  });
});
