import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import type { DecodeResult, KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { parseSpecJson } from '../../runtime/spec-validation.js';
import { isAzId, validateAzRoutesSpec, type AzRoutesSpec } from './spec.js';
import type { AzRoutesDesired, OwnedRoute } from './types.js';

interface Accepted {
  resource: StoredResource;
  spec: AzRoutesSpec;
}

/**
 * Merges this AZ's resources into the routes it owns. Resources of other AZs are ignored (their gateways act on
 * them); an invalid resource of this AZ, or two claiming the same route, make the whole kind invalid.
 */
export function decodeAzRoutes(snapshot: KindSnapshot, identity: InstanceIdentity): DecodeResult<AzRoutesDesired> {
  const ours = identity.availabilityZoneId;
  const ignored: { name: string; reason: string }[] = [];
  const accepted: Accepted[] = [];
  for (const resource of snapshot.resources) {
    const parsed = parseSpecJson(resource.value);
    const az = parsed.ok ? azOf(parsed.value) : undefined;
    if (az !== undefined && az !== ours) {
      ignored.push({ name: resource.name, reason: `routes of ${az}; this instance is in ${ours}` });
      continue;
    }
    const result = parsed.ok ? validateAzRoutesSpec(parsed.value) : parsed;
    if (!result.ok) return { ok: false, name: resource.name, generation: resource.generation, errors: result.errors };
    accepted.push({ resource, spec: result.value });
  }
  return merge(accepted, identity, ignored);
}

/** The AZ a resource is for, when it names one well-formed (junk is left to validation to report). */
function azOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const az = (raw as { availabilityZoneId?: unknown }).availabilityZoneId;
  return typeof az === 'string' && isAzId(az) ? az : undefined;
}

function merge(
  accepted: readonly Accepted[],
  identity: InstanceIdentity,
  ignored: { name: string; reason: string }[],
): DecodeResult<AzRoutesDesired> {
  const claimedBy = new Map<string, string>();
  const routes: OwnedRoute[] = [];
  for (const { resource, spec } of accepted) {
    for (const route of routesOf(resource.name, spec, identity)) {
      const key = routeKey(route);
      const other = claimedBy.get(key);
      if (other !== undefined) {
        const error = `route ${route.destinationCidr} in ${route.routeTableId}${inAccount(route.accountId)} is also listed by AzRoutes/${other}`;
        return { ok: false, name: resource.name, generation: resource.generation, errors: [error] };
      }
      claimedBy.set(key, resource.name);
      routes.push(route);
    }
  }
  const desired: AzRoutesDesired = { availabilityZoneId: identity.availabilityZoneId, routes };
  if (accepted.length === 0) return { ok: true, desired: { spec: desired }, ignored };
  // Status holds one name and generation per kind: several resources of one AZ show as "a,b" and the newest generation.
  const name = accepted.map((a) => a.resource.name).join(',');
  const generation = Math.max(...accepted.map((a) => a.resource.generation));
  return { ok: true, desired: { name, generation, spec: desired }, ignored };
}

function routesOf(resource: string, spec: AzRoutesSpec, identity: InstanceIdentity): OwnedRoute[] {
  // Naming our own account explicitly is the same as leaving it out: both go through the home account's operational role.
  const accountId = spec.accountId === identity.accountId ? undefined : spec.accountId;
  const networkInterfaceId = spec.networkInterfaceId ?? identity.primaryEniId;
  return spec.routeTableIds.flatMap((routeTableId) =>
    spec.destinationCidrs.map((destinationCidr) => ({
      ...(accountId ? { accountId } : {}),
      routeTableId,
      destinationCidr,
      networkInterfaceId,
      resource,
    })),
  );
}

export function routeKey(route: { accountId?: string; routeTableId: string; destinationCidr: string }): string {
  return `${route.accountId ?? ''}/${route.routeTableId}/${route.destinationCidr}`;
}

export function inAccount(accountId: string | undefined): string {
  return accountId ? ` (account ${accountId})` : '';
}
