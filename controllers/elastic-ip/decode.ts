import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { validateElasticIpSpec, type ElasticIpSpec } from './spec.js';
import type { ElasticIpTarget } from './types.js';

export function decodeElasticIp(
  snapshot: KindSnapshot,
  identity: InstanceIdentity,
): DecodeResult<ElasticIpTarget | null> {
  const result = decodeSingleton<ElasticIpSpec | null>(elasticIpKind, snapshot, validateElasticIpSpec, null);
  if (!result.ok) return result;
  const spec = result.desired.spec;
  return { ...result, desired: { ...result.desired, spec: spec && resolveTarget(spec, identity) } };
}

export function resolveTarget(spec: ElasticIpSpec, identity: InstanceIdentity): ElasticIpTarget {
  return {
    allocationId: spec.allocationId,
    networkInterfaceId: spec.networkInterfaceId ?? identity.primaryEniId,
    networkInterfaceSource: spec.networkInterfaceId ? 'spec' : 'identity',
    ...(spec.privateIpAddress ? { privateIpAddress: spec.privateIpAddress } : {}),
  };
}
