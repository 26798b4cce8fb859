import { describe, expect, it } from '@jest/globals';
import { ALLOCATION, SECOND_ENI, SELF } from '../../testing/ec2-fixtures.js';
import { resolveTarget } from './decode.js';

const target = resolveTarget({ allocationId: ALLOCATION }, SELF);

describe('resolveTarget', () => {
  it('defaults the interface to the primary ENI, and says so', () => {
    expect(target).toEqual({
      allocationId: ALLOCATION,
      networkInterfaceId: SELF.primaryEniId,
      networkInterfaceSource: 'identity',
    });
    expect(resolveTarget({ allocationId: ALLOCATION, networkInterfaceId: SECOND_ENI }, SELF)).toMatchObject({
      networkInterfaceId: SECOND_ENI,
      networkInterfaceSource: 'spec',
    });
  });
});
