import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { NftTable } from '../../renderers/nft/model.js';
import type { Controller, DecodeResult, KindSnapshot, ProbeResult } from '../../runtime/controller.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { forwardingUsers } from '../forwarding-common/forwarding.js';
import { applySourceNat } from './apply.js';
import { NAT_TABLE, POSTROUTING_CHAIN, SRCNAT_PRIORITY } from './names.js';
import { observeSourceNat, type SourceNatPorts } from './observe.js';
import { describeAction, planSourceNat, sysctlWarnings } from './plan.js';
import { resolveNat } from './resolve.js';
import { validateSourceNatSpec, type SourceNatSpec } from './spec.js';
import type { SourceNatAction, SourceNatDesired, SourceNatObserved } from './types.js';

export interface SourceNatOptions {
  ports: SourceNatPorts;
  /** The VPC's CIDRs when known (--vpc-cidr / CSGW_VPC_CIDRS): the default source networks. */
  vpcCidrs: readonly string[];
}

const ABSENT: SourceNatSpec = { enable: false, mode: 'masquerade' };

export function createSourceNatController(
  opts: SourceNatOptions,
): Controller<SourceNatSpec, SourceNatDesired, SourceNatObserved, SourceNatAction> {
  return {
    kind: sourceNatKind,
    // SourceNat owns ip_forward, so it also reconciles when a PortForward (which needs forwarding) comes or goes.
    watches: [portForwardKind],
    validateSpec: validateSourceNatSpec,
    decode: decodeSourceNat,
    probe: (signal) => probeNat(opts.ports, signal),
    // SourceNat keeps no caches: every observe is a full read, so opts.full changes nothing here.
    observe: (signal) => observeSourceNat(opts.ports, signal),
    plan: (desired, observed) => planSourceNat(desired, observed, opts.vpcCidrs),
    apply: (actions, signal) => applySourceNat(opts.ports, actions, signal),
    describe: describeAction,
    details: (desired, observed) => natDetails(desired.spec, observed, opts.vpcCidrs),
    warnings: (desired, observed) => (desired.spec.enable ? sysctlWarnings(desired.spec, observed) : []),
  };
}

function decodeSourceNat(snapshot: KindSnapshot): DecodeResult<SourceNatDesired> {
  const decoded = decodeSingleton(sourceNatKind, snapshot, validateSourceNatSpec, ABSENT);
  if (!decoded.ok) return decoded;
  const forwardingFor = forwardingUsers(portForwardKind.kind, snapshot.related?.[portForwardKind.kind]);
  if (forwardingFor.length === 0) return decoded;
  return { ...decoded, desired: { ...decoded.desired, spec: { ...decoded.desired.spec, forwardingFor } } };
}

/** nft --check of a minimal NAT table: proves nftables and inet-family NAT exist without touching the kernel. */
function probeNat(ports: SourceNatPorts, signal: AbortSignal): Promise<ProbeResult> {
  const probeTable: NftTable = {
    ...NAT_TABLE,
    sets: [],
    chains: [
      {
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', prio: SRCNAT_PRIORITY, policy: 'accept' },
        rules: [{ expr: [{ masquerade: null }] }],
      },
    ],
  };
  return probeNftTable(ports.nft, probeTable, signal, {
    feature: 'nftables inet NAT',
    mechanism: 'nftables inet nat',
  });
}

function natDetails(
  spec: SourceNatDesired,
  observed: SourceNatObserved,
  vpcCidrs: readonly string[],
): Record<string, unknown> {
  const counter = observed.table?.counters[0];
  const base = {
    table: `${NAT_TABLE.family} ${NAT_TABLE.name}`,
    mode: spec.mode,
    enabled: spec.enable,
    ...(spec.forwardingFor?.length ? { forwardingFor: spec.forwardingFor } : {}),
  };
  if (!spec.enable) return base;
  try {
    const resolved = resolveNat(spec, observed, vpcCidrs);
    return {
      ...base,
      ...resolved,
      // A nat chain sees only the first packet of each connection, so its counter counts translated connections.
      counters: { translatedConnections: counter?.packets ?? 0 },
    };
  } catch {
    return base;
  }
}
