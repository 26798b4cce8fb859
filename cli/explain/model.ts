import { compileFirewall } from '../../controllers/firewall/compile/compile.js';
import { createFirewallDecoder } from '../../controllers/firewall/decode.js';
import { createPortForwardDecoder } from '../../controllers/port-forward/decode.js';
import { DEFAULT_MAX_RULES } from '../../controllers/port-forward/names.js';
import { validateSourceNatSpec } from '../../controllers/source-nat/spec.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { buildIpsModel } from './ips-model.js';
import { buildLbModel, type LbInputs } from './lb-model.js';
import type { ExplainModel } from './packet-path.js';

/**
 * Decodes the snapshots with the controllers' own decoders, so explain sees the same admitted resources, rejections
 * and defaults they do. Notes list what was left out (a rejected resource, an invalid spec). LoadBalancer targets
 * come from an instance's status when `lb.statuses` has one.
 */
export function buildExplainModel(
  snapshots: readonly KindSnapshot[],
  vpcCidrs: readonly string[],
  lb: LbInputs = {},
): { model: ExplainModel; notes: string[] } {
  const notes: string[] = [];
  const of = (kind: string): KindSnapshot => snapshots.find((s) => s.kind === kind) ?? { kind, resources: [] };
  const usable = <D>(kind: string, result: DecodeResult<D>): D | undefined => {
    if (!result.ok) {
      notes.push(`${kind}/${result.name} generation ${result.generation} is invalid: ${result.errors.join('; ')}`);
      return undefined;
    }
    for (const ignored of result.ignored) notes.push(ignored.reason);
    return result.desired.name === undefined ? undefined : result.desired.spec;
  };
  const portForward = usable('PortForward', createPortForwardDecoder(DEFAULT_MAX_RULES)(of('PortForward')));
  const firewall = usable('FirewallPolicy', createFirewallDecoder()(of('FirewallPolicy')));
  const sourceNat = usable(
    'SourceNat',
    decodeSingleton(sourceNatKind, of('SourceNat'), validateSourceNatSpec, { enable: false, mode: 'masquerade' }),
  );
  const ips = buildIpsModel(of, notes);
  const loadBalancer = buildLbModel(of, notes, lb);
  return {
    model: {
      ...(portForward ? { portForward } : {}),
      ...(loadBalancer ? { loadBalancer } : {}),
      ...(firewall
        ? { firewall: { state: firewall, ...(firewall.policy ? { compiled: compileFirewall(firewall.policy) } : {}) } }
        : {}),
      ...(sourceNat
        ? { sourceNat: { spec: sourceNat, ...(vpcCidrs.length > 0 ? { sourceCidrs: vpcCidrs } : {}) } }
        : {}),
      ...(ips ? { ips } : {}),
    },
    notes,
  };
}
