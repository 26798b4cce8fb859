import { createLoadBalancerDecoder } from '../../controllers/load-balancer/decode.js';
import { DEFAULT_MAX_SERVICES } from '../../controllers/load-balancer/names.js';
import type { KernelTarget, Mechanism } from '../../controllers/load-balancer/types.js';
import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { InstanceStatus } from '../../runtime/status-types.js';
import type { LbModel, PublishedLoadBalancer, PublishedService } from './load-balancer.js';

/** Where the LoadBalancer step's facts come from besides the specs: status documents and --instance / --lb-path. */
export interface LbInputs {
  /** Every readable instance status document (none with -f). */
  statuses?: readonly InstanceStatus[];
  /** --instance: read this instance's status; default the most recently updated one that reports LoadBalancer. */
  instanceId?: string;
  mechanism?: Mechanism;
}

/**
 * The LoadBalancer resources decoded as the controller decodes them (claim order, listener conflicts, stable ids),
 * with one instance's published membership. Undefined when no LoadBalancer resource exists.
 */
export function buildLbModel(
  of: (kind: string) => KindSnapshot,
  notes: string[],
  inputs: LbInputs = {},
): LbModel | undefined {
  const snapshot = of(loadBalancerKind.kind);
  if (snapshot.resources.length === 0) return undefined;
  const decoded = createLoadBalancerDecoder(DEFAULT_MAX_SERVICES)(snapshot);
  if (!decoded.ok) return undefined;
  for (const ignored of decoded.ignored) notes.push(ignored.reason);
  const published = publishedLoadBalancer(inputs.statuses ?? [], inputs.instanceId, notes);
  return {
    services: decoded.desired.spec.services,
    ...(published ? { published } : {}),
    ...(inputs.mechanism ? { mechanism: inputs.mechanism } : {}),
  };
}

/** The chosen instance's LoadBalancer details, read defensively: a status document is data from elsewhere. */
export function publishedLoadBalancer(
  statuses: readonly InstanceStatus[],
  instanceId: string | undefined,
  notes: string[],
): PublishedLoadBalancer | undefined {
  const reporting = statuses.filter((s) => detailsOf(s) !== undefined);
  const chosen =
    instanceId !== undefined
      ? reporting.find((s) => s.instanceId === instanceId)
      : [...reporting].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  if (!chosen) {
    if (instanceId !== undefined) notes.push(`instance ${instanceId} reports no LoadBalancer status`);
    return undefined;
  }
  const details = detailsOf(chosen) ?? {};
  const services: Record<string, PublishedService> = {};
  for (const raw of Array.isArray(details.services) ? (details.services as unknown[]) : []) {
    const service = serviceOf(raw);
    if (service) services[service.name] = service.published;
  }
  const mechanism = details.mechanism === 'ipvs' || details.mechanism === 'nftables' ? details.mechanism : undefined;
  return {
    instanceId: chosen.instanceId,
    updatedAt: chosen.updatedAt,
    ...(mechanism ? { mechanism } : {}),
    services,
  };
}

function detailsOf(status: InstanceStatus): Record<string, unknown> | undefined {
  const details = status.controllers[loadBalancerKind.kind]?.details;
  return details && Array.isArray(details.services) ? details : undefined;
}

function serviceOf(raw: unknown): { name: string; published: PublishedService } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || typeof r.generation !== 'number' || !Array.isArray(r.targets)) return undefined;
  const targets = (r.targets as unknown[]).flatMap((t) => targetOf(t) ?? []);
  // A target that did not parse counts as unlisted: it would change the slots.
  const unlisted = (typeof r.unlistedTargets === 'number' ? r.unlistedTargets : 0) + r.targets.length - targets.length;
  return { name: r.name, published: { generation: r.generation, targets, unlisted } };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function targetOf(raw: unknown): KernelTarget | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { address, port, weight } = raw as Record<string, unknown>;
  if (typeof address !== 'string' || !IPV4.test(address)) return undefined;
  if (!Number.isInteger(port) || !Number.isInteger(weight)) return undefined;
  return { address, port: port as number, weight: weight as number };
}
