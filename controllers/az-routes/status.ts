import type { ControllerWarning } from '../../runtime/controller.js';
import { inAccount } from './decode.js';
import type { AzRoutesDesired, AzRoutesObserved } from './types.js';

/** A listed table that does not exist: its routes are skipped and the others still converge. */
export function azRoutesWarnings(observed: AzRoutesObserved): ControllerWarning[] {
  return observed.accounts.flatMap((account) =>
    account.requested
      .filter((id) => !account.tables.some((t) => t.routeTableId === id))
      .map((id) => ({
        reason: 'RouteTableNotFound',
        message: `route table ${id}${inAccount(account.accountId)} not found: its routes are skipped`,
      })),
  );
}

export function azRoutesDetails(desired: AzRoutesDesired, observed: AzRoutesObserved): Record<string, unknown> {
  const tables = observed.accounts.flatMap((a) => a.tables.map((t) => ({ accountId: a.accountId, table: t })));
  const pointingHere = desired.routes.filter((route) =>
    tables.some(
      ({ accountId, table }) =>
        accountId === route.accountId &&
        table.routeTableId === route.routeTableId &&
        table.routes.some(
          (r) => r.destinationCidr === route.destinationCidr && r.networkInterfaceId === route.networkInterfaceId,
        ),
    ),
  );
  return {
    availabilityZoneId: desired.availabilityZoneId,
    networkInterfaceIds: [...new Set(desired.routes.map((r) => r.networkInterfaceId))],
    routes: desired.routes.length,
    routesToTarget: pointingHere.length,
    routeTables: tables.length,
  };
}
