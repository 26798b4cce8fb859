import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { validateSourceDestCheckSpec, type SourceDestCheckSpec } from './spec.js';
import type { SourceDestCheckTarget } from './types.js';

export function decodeSourceDestCheck(
  snapshot: KindSnapshot,
  identity: InstanceIdentity,
): DecodeResult<SourceDestCheckTarget | null> {
  const result = decodeSingleton<SourceDestCheckSpec | null>(
    sourceDestCheckKind,
    snapshot,
    validateSourceDestCheckSpec,
    null,
  );
  if (!result.ok) return result;
  const spec = result.desired.spec;
  return { ...result, desired: { ...result.desired, spec: spec && resolveTarget(spec, identity) } };
}

export function resolveTarget(spec: SourceDestCheckSpec, identity: InstanceIdentity): SourceDestCheckTarget {
  return {
    networkInterfaceId: spec.networkInterfaceId ?? identity.primaryEniId,
    networkInterfaceSource: spec.networkInterfaceId ? 'spec' : 'identity',
    enabled: spec.enabled,
  };
}
