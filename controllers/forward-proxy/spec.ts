import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import { checkCidrList } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import type { PortRange } from '../../renderers/squid/model.js';

/** A port or an inclusive "first-last" range, as written in a spec. */
export type PortSpec = number | string;

/** The spec after schema validation (defaults applied). */
export interface ForwardProxySpec {
  enable: boolean;
  port: number;
  listenAddress?: string;
  allowedClientCidrs?: string[];
  authentication?: { type: 'basic'; realm: string; secretRef: { name: string; key: string } };
  cache?: { enabled: boolean; memoryMb: number; diskMb: number; maxObjectSizeKb: number };
  bandwidth?: { perClientKbps: number; burstKb?: number };
  connectPorts: PortSpec[];
  safePorts: PortSpec[];
  domainFilters?: string[];
}

const validator = new SpecValidator([forwardProxyKind]);

export function validateForwardProxySpec(raw: unknown): Validation<ForwardProxySpec> {
  const result = validator.validate<ForwardProxySpec>(forwardProxyKind, raw);
  if (!result.ok) return result;
  const spec = result.value;
  const errors = [
    ...checkCidrList('spec.allowedClientCidrs', spec.allowedClientCidrs ?? []),
    ...checkPorts('spec.connectPorts', spec.connectPorts),
    ...checkPorts('spec.safePorts', spec.safePorts),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}

export function portRange(p: PortSpec): PortRange {
  if (typeof p === 'number') return { first: p, last: p };
  const [first = 0, last = 0] = p.split('-').map(Number);
  return { first, last };
}

function checkPorts(field: string, ports: readonly PortSpec[]): string[] {
  return ports.flatMap((p, i) => {
    const r = portRange(p);
    return r.first > r.last ? [`${field}[${i}]: ${String(p)} is reversed`] : [];
  });
}
