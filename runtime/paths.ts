import type { KindDefinition } from '../crds-equivalent/index.js';

/** Where one gateway's state lives in SSM. Every SSM path in the code is built here. */
export interface GatewayPaths {
  root: string;
  specRoot: string;
  statusRoot: string;
  leaseRoot: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,128}$/;

export function gatewayPaths(prefix: string, gateway: string): GatewayPaths {
  const cleanPrefix = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  if (!SEGMENT.test(gateway)) throw new Error(`invalid gateway name "${gateway}": use letters, digits, _ . -`);
  const root = `${cleanPrefix === '/' ? '' : cleanPrefix}/${gateway}`;
  return { root, specRoot: `${root}/spec`, statusRoot: `${root}/status`, leaseRoot: `${root}/leases` };
}

export function specPath(paths: GatewayPaths, kind: KindDefinition, name: string): string {
  return `${paths.specRoot}/${kind.plural}/${name}`;
}

export function kindSpecPath(paths: GatewayPaths, kind: KindDefinition): string {
  return `${paths.specRoot}/${kind.plural}`;
}

export function statusPath(paths: GatewayPaths, instanceId: string): string {
  return `${paths.statusRoot}/${instanceId}`;
}

/** Splits a spec parameter name into its kind plural and resource name, or undefined when it is not one. */
export function parseSpecPath(paths: GatewayPaths, name: string): { plural: string; name: string } | undefined {
  const rest = name.startsWith(`${paths.specRoot}/`) ? name.slice(paths.specRoot.length + 1) : undefined;
  const parts = rest?.split('/');
  if (parts?.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { plural: parts[0], name: parts[1] };
}

export function isValidResourceName(name: string): boolean {
  return SEGMENT.test(name);
}

const LEASE_SCOPE = /^(cluster|az\/[a-z0-9-]{1,32})$/;

/** The parameter of one lease scope: 'cluster' or 'az/<az-id>'. */
export function leasePath(paths: GatewayPaths, scope: string): string {
  if (!LEASE_SCOPE.test(scope)) throw new Error(`invalid lease scope "${scope}": expected cluster or az/<az-id>`);
  return `${paths.leaseRoot}/${scope}`;
}

/**
 * The store's identity marker. Under the spec root so that the one listing that reads the specs also reads the
 * identity they came from; a single segment, so it is never taken for a resource.
 */
export function storeMarkerPath(paths: GatewayPaths): string {
  return `${paths.specRoot}/store-identity`;
}

/** The SecureString holding the external id the operational roles' trust policies require. */
export function externalIdPath(paths: GatewayPaths): string {
  return `${paths.root}/config/external-id`;
}
