import type { Ec2Port } from '../../runtime/aws/ports.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { currentToken } from '../aws-common/fencing.js';
import type { ElasticIpObserved, ElasticIpTarget } from './types.js';

/** Reads the allocation the target names, and the lease term the plan compares its fencing tags with. */
export async function observeElasticIp(
  ec2: Ec2Port,
  lease: LeaseGuard,
  target: ElasticIpTarget | null,
  signal: AbortSignal,
): Promise<ElasticIpObserved> {
  const address = target ? await ec2.describeAddress(target.allocationId, signal) : undefined;
  const token = currentToken(lease);
  return {
    ...(target ? { allocationId: target.allocationId } : {}),
    ...(address ? { address } : {}),
    ...(token ? { token } : {}),
  };
}
