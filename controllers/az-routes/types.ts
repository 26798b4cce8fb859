import type { RouteTableView } from '../../runtime/aws/ports.js';
import type { FencingToken } from '../../runtime/lease/fencing.js';

/** One route this AZ's gateway owns: a destination in a table, pointed at an interface. */
export interface OwnedRoute {
  /** undefined: this instance's own account. */
  accountId?: string;
  routeTableId: string;
  destinationCidr: string;
  networkInterfaceId: string;
  /** The AzRoutes resource that lists it. */
  resource: string;
}

/** Every route of this AZ's resources, merged; empty when there is none (the controller then owns nothing). */
export interface AzRoutesDesired {
  availabilityZoneId: string;
  routes: OwnedRoute[];
}

/** The tables read in one account, by one DescribeRouteTables of the listed ids. */
export interface AccountTables {
  accountId?: string;
  requested: string[];
  /** The requested tables that exist. */
  tables: RouteTableView[];
}

export interface AzRoutesObserved {
  accounts: AccountTables[];
  /** The lease term at observe time; undefined when this node does not hold the lease. */
  token?: FencingToken;
}

export type AzRoutesAction =
  | { op: 'tagFencing'; accountId?: string; routeTableId: string }
  | {
      op: 'createRoute' | 'replaceRoute';
      accountId?: string;
      routeTableId: string;
      destinationCidr: string;
      networkInterfaceId: string;
      /** The target being replaced, for logs. */
      from?: string;
    };
