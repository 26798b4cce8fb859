import { describe, expect, it } from '@jest/globals';
import { identityFromOverrides } from '../../adapters/aws/imds.js';
import { parseState } from '../../lab/fake-ec2/state.js';
import { fakeEc2State, memberIdentities } from './cluster.js';

describe('memberIdentities', () => {
  const members = memberIdentities(3, 2, 'csgw-lfab12');

  it('gives identities the operator accepts as CSGW_EC2_* overrides', () => {
    for (const m of members) {
      const env = {
        CSGW_EC2_INSTANCE_ID: m.instanceId,
        CSGW_EC2_REGION: 'us-east-1',
        CSGW_EC2_AZ: m.availabilityZone,
        CSGW_EC2_AZ_ID: m.availabilityZoneId,
        CSGW_EC2_ENI_ID: m.eniId,
      };
      expect(identityFromOverrides(env)).toMatchObject({ instanceId: m.instanceId, primaryEniId: m.eniId });
    }
  });

  it('spreads members over the AZs round-robin, each with its own id, ENI and namespace', () => {
    expect(members.map((m) => m.availabilityZoneId)).toEqual(['use1-az1', 'use1-az2', 'use1-az1']);
    expect(members.map((m) => m.availabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1a']);
    for (const key of ['instanceId', 'eniId', 'netns'] as const)
      expect(new Set(members.map((m) => m[key])).size).toBe(3);
  });
});

describe('fakeEc2State', () => {
  it('is a valid fake EC2 state with the address unassociated and one ENI per member', () => {
    const members = memberIdentities(2, 1, 'ns');
    const state = parseState(fakeEc2State(members));
    expect(state.addresses).toHaveLength(1);
    expect(state.addresses[0]?.networkInterfaceId).toBeUndefined();
    expect(state.networkInterfaces.map((n) => [n.networkInterfaceId, n.instanceId])).toEqual(
      members.map((m) => [m.eniId, m.instanceId]),
    );
  });
});
