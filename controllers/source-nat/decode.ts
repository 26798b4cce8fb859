import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { forwardingUsers } from '../forwarding-common/forwarding.js';
import { validateSourceNatSpec, type SourceNatSpec } from './spec.js';
import type { SourceNatDesired } from './types.js';

const ABSENT: SourceNatSpec = { enable: false, mode: 'masquerade' };

export function decodeSourceNat(snapshot: KindSnapshot): DecodeResult<SourceNatDesired> {
  const decoded = decodeSingleton(sourceNatKind, snapshot, validateSourceNatSpec, ABSENT);
  if (!decoded.ok) return decoded;
  const forwardingFor = forwardingUsers(portForwardKind.kind, snapshot.related?.[portForwardKind.kind]);
  if (forwardingFor.length === 0) return decoded;
  return { ...decoded, desired: { ...decoded.desired, spec: { ...decoded.desired.spec, forwardingFor } } };
}
