import type { AddressView } from '../../runtime/aws/ports.js';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { assertNotFenced } from '../aws-common/fencing.js';
import type { ElasticIpAction, ElasticIpObserved, ElasticIpTarget } from './types.js';

/**
 * (desired, observed) -> actions; pure. No resource plans nothing: the address stays where it is (disassociating
 * would cut the gateway's public address). Otherwise the address moves to our interface, stamped with our term first.
 */
export function planElasticIp(
  desired: DesiredState<ElasticIpTarget | null>,
  observed: ElasticIpObserved,
): ElasticIpAction[] {
  const target = desired.spec;
  if (!desired.name || !target) return [];
  const { allocationId } = target;
  if (observed.allocationId !== allocationId) {
    throw new ControllerError('ObservedStale', `observed ${observed.allocationId ?? 'nothing'}, not ${allocationId}`);
  }
  const address = observed.address;
  if (!address)
    throw new ControllerError('AllocationNotFound', `Elastic IP allocation ${allocationId} not found`, true);
  if (associatedAsWanted(address, target)) return [];
  assertNotFenced(`Elastic IP ${allocationId}`, address.tags, observed.token);
  return [
    { op: 'tagFencing', allocationId },
    {
      op: 'associate',
      allocationId,
      publicIp: address.publicIp,
      networkInterfaceId: target.networkInterfaceId,
      ...(target.privateIpAddress ? { privateIpAddress: target.privateIpAddress } : {}),
      ...(address.networkInterfaceId ? { from: address.networkInterfaceId } : {}),
    },
  ];
}

/** On our interface, and on the private address the spec names (any one when it names none). */
function associatedAsWanted(address: AddressView, target: ElasticIpTarget): boolean {
  if (address.networkInterfaceId !== target.networkInterfaceId) return false;
  return !target.privateIpAddress || address.privateIpAddress === target.privateIpAddress;
}

export function describeElasticIpAction(action: ElasticIpAction): string {
  if (action.op === 'tagFencing') return `tag ${action.allocationId} with this instance's lease term`;
  const from = action.from ? ` (was ${action.from})` : ' (was unassociated)';
  const to = action.privateIpAddress
    ? `${action.networkInterfaceId} ${action.privateIpAddress}`
    : action.networkInterfaceId;
  return `associate ${action.publicIp} (${action.allocationId}) with ${to}${from}`;
}
