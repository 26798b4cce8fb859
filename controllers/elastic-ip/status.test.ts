import { describe, expect, it } from '@jest/globals';
import { address, ALLOCATION, fenceTags, PUBLIC_IP, SELF } from '../../testing/ec2-fixtures.js';
import { resolveTarget } from './decode.js';
import { elasticIpDetails } from './status.js';
import type { ElasticIpObserved } from './types.js';

const token = { scope: 'cluster', holder: SELF.instanceId, epoch: 7, version: 7 };
const target = resolveTarget({ allocationId: ALLOCATION }, SELF);
const observed = (over: Partial<ElasticIpObserved> = {}): ElasticIpObserved => ({
  allocationId: ALLOCATION,
  address: address(),
  token,
  ...over,
});

describe('details', () => {
  it('reports the association and the term that wrote it', () => {
    const o = observed({
      address: address({
        associationId: 'eipassoc-1',
        networkInterfaceId: SELF.primaryEniId,
        tags: fenceTags(SELF.instanceId, 7, 'cluster'),
      }),
    });
    expect(elasticIpDetails(target, o)).toEqual({
      publicIp: PUBLIC_IP,
      allocationId: ALLOCATION,
      associationId: 'eipassoc-1',
      networkInterfaceId: SELF.primaryEniId,
      networkInterfaceSource: 'identity',
      holder: SELF.instanceId,
      epoch: 7,
    });
    expect(elasticIpDetails(target, observed({ address: undefined }))).toEqual({ allocationId: ALLOCATION });
    expect(elasticIpDetails(null, {})).toEqual({});
  });
});
