import { describe, expect, it } from '@jest/globals';
import { awsError, ENIS, SELF, signal } from '../../testing/ec2-fixtures.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';
import { probeEc2 } from './probe.js';

describe('probeEc2', () => {
  it('succeeds with a read of the interface, reporting the mechanism', async () => {
    const ec2 = new FakeEc2({ networkInterfaces: ENIS });
    await expect(probeEc2(ec2, SELF.primaryEniId, 'ec2 ReplaceRoute', signal())).resolves.toEqual({
      ok: true,
      reason: 'Ec2Available',
      message: `EC2 API available; ${SELF.primaryEniId} is in us-east-1a`,
      details: { mechanism: 'ec2 ReplaceRoute' },
    });
    expect(ec2.calls).toEqual([{ action: 'describeNetworkInterface', args: SELF.primaryEniId }]);
  });

  it('reports a missing interface', async () => {
    const result = await probeEc2(new FakeEc2(), SELF.primaryEniId, 'm', signal());
    expect(result).toMatchObject({ ok: false, reason: 'NetworkInterfaceNotFound' });
  });

  it.each([
    ['UnauthorizedOperation', 'MissingPermission'],
    ['AccessDeniedException', 'MissingPermission'],
    ['RequestLimitExceeded', 'Throttled'],
  ])('turns %s into reason %s', async (code, reason) => {
    const ec2 = new FakeEc2({ networkInterfaces: ENIS });
    ec2.failNext('describeNetworkInterface', awsError(code));
    await expect(probeEc2(ec2, SELF.primaryEniId, 'm', signal())).resolves.toMatchObject({ ok: false, reason });
  });
});
