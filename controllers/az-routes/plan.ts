import type { RouteTableView, RouteView } from '../../runtime/aws/ports.js';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { assertNotFenced } from '../aws-common/fencing.js';
import { inAccount } from './decode.js';
import type { AzRoutesAction, AzRoutesDesired, AzRoutesObserved, OwnedRoute } from './types.js';

/**
 * (desired, observed) -> actions; pure. Each owned route is pointed at its interface: replaced when it has another
 * target, created when missing. Only listed (table, destination) pairs are ever named, so no other route is touched.
 * A changed table is stamped with our lease term before its routes are written.
 */
export function planAzRoutes(desired: DesiredState<AzRoutesDesired>, observed: AzRoutesObserved): AzRoutesAction[] {
  const actions: AzRoutesAction[] = [];
  for (const [first, ...rest] of byTable(desired.spec.routes)) {
    if (!first) continue;
    const table = observedTable(observed, first);
    if (!table) continue;
    const changes = [first, ...rest].flatMap((route) => routeChange(route, table));
    if (changes.length === 0) continue;
    assertNotFenced(`route table ${table.routeTableId}${inAccount(first.accountId)}`, table.tags, observed.token);
    const account = first.accountId ? { accountId: first.accountId } : {};
    actions.push({ op: 'tagFencing', ...account, routeTableId: table.routeTableId }, ...changes);
  }
  return actions;
}

/** Groups routes by (account, table), keeping the order tables were first listed in. */
function byTable(routes: readonly OwnedRoute[]): OwnedRoute[][] {
  const groups = new Map<string, OwnedRoute[]>();
  for (const route of routes) {
    const key = `${route.accountId ?? ''}/${route.routeTableId}`;
    groups.set(key, [...(groups.get(key) ?? []), route]);
  }
  return [...groups.values()];
}

/** The table as observed; undefined when it does not exist. Throws when it was not read at all. */
function observedTable(observed: AzRoutesObserved, route: OwnedRoute): RouteTableView | undefined {
  const account = observed.accounts.find((a) => a.accountId === route.accountId);
  if (!account?.requested.includes(route.routeTableId)) {
    throw new ControllerError('ObservedStale', `${route.routeTableId}${inAccount(route.accountId)} was not observed`);
  }
  return account.tables.find((t) => t.routeTableId === route.routeTableId);
}

function routeChange(route: OwnedRoute, table: RouteTableView): AzRoutesAction[] {
  const current = table.routes.find((r) => r.destinationCidr === route.destinationCidr);
  if (current?.networkInterfaceId === route.networkInterfaceId) return [];
  const { accountId, routeTableId, destinationCidr, networkInterfaceId } = route;
  const base = { ...(accountId ? { accountId } : {}), routeTableId, destinationCidr, networkInterfaceId };
  return current ? [{ op: 'replaceRoute', ...base, from: targetOf(current) }] : [{ op: 'createRoute', ...base }];
}

function targetOf(route: RouteView): string {
  const target =
    route.natGatewayId ??
    route.gatewayId ??
    route.transitGatewayId ??
    route.networkInterfaceId ??
    route.instanceId ??
    'no target';
  return route.state === 'blackhole' ? `${target}, blackhole` : target;
}

export function describeAzRoutesAction(action: AzRoutesAction): string {
  const where = `${action.routeTableId}${inAccount(action.accountId)}`;
  if (action.op === 'tagFencing') return `tag ${where} with this instance's lease term`;
  const verb = action.op === 'createRoute' ? 'create' : 'replace';
  const from = action.from ? ` (was ${action.from})` : '';
  return `${verb} route ${action.destinationCidr} in ${where} -> ${action.networkInterfaceId}${from}`;
}
