import type { ProbeResult } from '../../runtime/controller.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { currentToken } from '../aws-common/fencing.js';
import type { AccountTables, AzRoutesObserved, OwnedRoute } from './types.js';

/** Picks the EC2 port of an account: undefined is this instance's own account. */
import type { Ec2For } from '../../runtime/kind-module.js';

export type { Ec2For };

/** The tables each account's routes live in, in first-listed order. */
export function tablesByAccount(routes: readonly OwnedRoute[]): { accountId?: string; requested: string[] }[] {
  const byAccount = new Map<string | undefined, Set<string>>();
  for (const route of routes) {
    const tables = byAccount.get(route.accountId) ?? new Set<string>();
    tables.add(route.routeTableId);
    byAccount.set(route.accountId, tables);
  }
  return [...byAccount].map(([accountId, tables]) => ({ ...(accountId ? { accountId } : {}), requested: [...tables] }));
}

/** One DescribeRouteTables per account, in parallel; the lease term is read for the plan's fencing check. */
export async function observeAzRoutes(
  ec2For: Ec2For,
  lease: LeaseGuard,
  routes: readonly OwnedRoute[],
  signal: AbortSignal,
): Promise<AzRoutesObserved> {
  const accounts = await Promise.all(
    tablesByAccount(routes).map(async (group): Promise<AccountTables> => ({
      ...group,
      tables: await ec2For(group.accountId).describeRouteTables(group.requested, signal),
    })),
  );
  const token = currentToken(lease);
  return { accounts, ...(token ? { token } : {}) };
}

/**
 * No call here: the operational role is needed only for listed route tables, and observe reports its absence
 * (OperationalRoleUnavailable) exactly when there is one. An AZ without AzRoutes needs no role.
 */
export function probeAzRoutes(): Promise<ProbeResult> {
  return Promise.resolve({
    ok: true,
    reason: 'OperationalRole',
    message: 'EC2 through the per-AZ NAT data plane operational role',
    details: { mechanism: 'ec2 ReplaceRoute (operational role 1)' },
  });
}
