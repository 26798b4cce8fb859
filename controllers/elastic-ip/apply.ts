import type { Ec2Port } from '../../runtime/aws/ports.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { writeFencingTags } from '../aws-common/fencing.js';
import type { ElasticIpAction } from './types.js';

/** In plan order; the lease is checked right before each write, since it may expire during the previous await. */
export async function applyElasticIp(
  ec2: Ec2Port,
  lease: LeaseGuard,
  actions: readonly ElasticIpAction[],
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions) {
    if (action.op === 'tagFencing') {
      await writeFencingTags(ec2, lease, action.allocationId, signal);
      continue;
    }
    lease.assertHeld();
    await ec2.associateAddress(
      {
        allocationId: action.allocationId,
        networkInterfaceId: action.networkInterfaceId,
        ...(action.privateIpAddress ? { privateIpAddress: action.privateIpAddress } : {}),
      },
      signal,
    );
  }
}
