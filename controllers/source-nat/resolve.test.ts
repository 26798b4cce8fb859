import { describe, expect, it } from '@jest/globals';
import { planError } from '../../testing/controller-error.js';
import { addr } from '../../testing/fake-host-net.js';
import { observedState } from '../../testing/source-nat-fixtures.js';
import { resolveNat } from './resolve.js';
import type { SourceNatSpec } from './spec.js';

const spec = (over: Partial<SourceNatSpec> = {}): SourceNatSpec => ({ enable: true, mode: 'masquerade', ...over });

describe('resolveNat: egress interface', () => {
  it('takes the spec egressInterface over the default route', () => {
    expect(resolveNat(spec({ egressInterface: 'eth9' }), observedState(), [])).toMatchObject({
      egressInterface: 'eth9',
      egressInterfaceSource: 'spec',
    });
  });

  it('defaults to the interface of the default route', () => {
    expect(resolveNat(spec(), observedState(), [])).toMatchObject({
      egressInterface: 'ens5',
      egressInterfaceSource: 'defaultRoute',
    });
  });

  it('fails with EgressInterfaceUnknown when neither exists', () => {
    const err = planError(() => resolveNat(spec(), observedState({ defaultRoute: undefined }), ['10.0.0.0/16']));
    expect(err.reason).toBe('EgressInterfaceUnknown');
    expect(err.message).toMatch(/egressInterface/);
  });
});

describe('resolveNat: source networks', () => {
  it('takes spec sourceCidrs over the VPC CIDRs', () => {
    expect(resolveNat(spec({ sourceCidrs: ['192.168.0.0/16'] }), observedState(), ['10.0.0.0/16'])).toEqual({
      egressInterface: 'ens5',
      egressInterfaceSource: 'defaultRoute',
      sourceCidrs: ['192.168.0.0/16'],
      sourceCidrsSource: 'spec',
    });
  });

  it('defaults to the VPC CIDRs when known (a copy: editing the result leaves the wiring alone)', () => {
    const vpc = ['10.0.0.0/16', '100.64.0.0/16'];
    const resolved = resolveNat(spec(), observedState(), vpc);
    expect(resolved).toMatchObject({ sourceCidrs: ['10.0.0.0/16', '100.64.0.0/16'], sourceCidrsSource: 'vpc' });
    resolved.sourceCidrs.push('1.1.1.1/32');
    expect(vpc).toEqual(['10.0.0.0/16', '100.64.0.0/16']);
  });

  it('else defaults to the networks connected to every interface but the egress one, each once', () => {
    const addresses = [
      addr('ens5', '10.0.0.10/24'),
      addr('ens6', '10.0.1.10/24'),
      addr('ens6', '10.0.1.11/24'),
      addr('ens7', '172.16.5.1/24'),
    ];
    expect(resolveNat(spec(), observedState({ addresses }), [])).toMatchObject({
      sourceCidrs: expect.arrayContaining(['10.0.1.0/24', '172.16.5.0/24']) as unknown,
      sourceCidrsSource: 'connectedNetworks',
    });
    expect(resolveNat(spec(), observedState({ addresses }), []).sourceCidrs).toHaveLength(2);
  });

  it('drops networks nested in another connected network (an interval set refuses overlaps)', () => {
    const addresses = [
      addr('ens5', '10.0.0.10/24'),
      addr('ens6', '10.1.5.1/24'),
      addr('ens7', '10.1.0.1/16'),
      addr('ens8', '10.1.5.129/25'),
    ];
    expect(resolveNat(spec(), observedState({ addresses }), []).sourceCidrs).toEqual(['10.1.0.0/16']);
  });

  it('excludes the spec egress interface, not the default route one, from connected networks', () => {
    const resolved = resolveNat(spec({ egressInterface: 'ens6' }), observedState(), []);
    expect(resolved.sourceCidrs).toEqual(['10.0.0.0/24']);
  });

  it('fails with SourceCidrsUnknown when only the egress interface has an address', () => {
    const err = planError(() => resolveNat(spec(), observedState({ addresses: [addr('ens5', '10.0.0.10/24')] }), []));
    expect(err.reason).toBe('SourceCidrsUnknown');
    expect(err.message).toMatch(/ens5/);
  });
});
