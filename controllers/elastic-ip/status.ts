import type { ResourceTags } from '../../runtime/aws/ports.js';
import { taggedTerm } from '../aws-common/fencing.js';
import type { ElasticIpObserved, ElasticIpTarget } from './types.js';

export function elasticIpDetails(target: ElasticIpTarget | null, observed: ElasticIpObserved): Record<string, unknown> {
  const address = observed.address;
  if (!target || !address) return target ? { allocationId: target.allocationId } : {};
  return {
    publicIp: address.publicIp,
    allocationId: address.allocationId,
    associationId: address.associationId,
    networkInterfaceId: address.networkInterfaceId,
    networkInterfaceSource: target.networkInterfaceSource,
    ...termOf(address.tags),
  };
}

function termOf(tags: ResourceTags): { holder?: string; epoch?: number } {
  const term = taggedTerm(tags);
  return term ? { holder: term.holder, epoch: term.epoch } : {};
}
