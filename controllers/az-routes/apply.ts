import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { writeFencingTags } from '../aws-common/fencing.js';
import type { Ec2For } from './observe.js';
import type { AzRoutesAction } from './types.js';

/** In plan order; the lease is checked right before each write, since it may expire during the previous await. */
export async function applyAzRoutes(
  ec2For: Ec2For,
  lease: LeaseGuard,
  actions: readonly AzRoutesAction[],
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions) {
    const ec2 = ec2For(action.accountId);
    if (action.op === 'tagFencing') {
      await writeFencingTags(ec2, lease, action.routeTableId, signal);
      continue;
    }
    lease.assertHeld();
    const { routeTableId, destinationCidr, networkInterfaceId } = action;
    const req = { routeTableId, destinationCidr, networkInterfaceId };
    await (action.op === 'createRoute' ? ec2.createRoute(req, signal) : ec2.replaceRoute(req, signal));
  }
}
