/**
 * The narrow interfaces to AWS beyond SSM. Real adapters live in adapters/aws/, fakes in testing/.
 *
 * Every method throws ControllerError (runtime/controller.ts) for failures a user can cause, with a stable reason:
 *   UnauthorizedOperation / AccessDenied*            -> MissingPermission (inert: retried slowly)
 *   RequestLimitExceeded / Throttling*               -> Throttled (backoff)
 *   InvalidAllocationID.NotFound                     -> AllocationNotFound (inert)
 *   InvalidNetworkInterfaceID.NotFound               -> NetworkInterfaceNotFound (inert)
 *   InvalidRouteTableID.NotFound                     -> RouteTableNotFound (inert)
 *   Resource.AlreadyAssociated                       -> AddressAlreadyAssociated (backoff)
 *   operational role missing / AssumeRole denied     -> OperationalRoleUnavailable (inert)
 *   anything else                                    -> AwsApiError (backoff)
 */

/** Who this node is in EC2: from IMDSv2, or from overrides in labs and tests. */
export interface InstanceIdentity {
  instanceId: string;
  region: string;
  /** e.g. us-east-1a */
  availabilityZone: string;
  /** e.g. use1-az1: stable across accounts, so lease scopes use it. */
  availabilityZoneId: string;
  /** The primary ENI (device index 0): the gateway interface. */
  primaryEniId: string;
  accountId?: string;
}

export type ResourceTags = Record<string, string>;

export interface AddressView {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  networkInterfaceId?: string;
  instanceId?: string;
  privateIpAddress?: string;
  tags: ResourceTags;
}

export interface RouteView {
  destinationCidr: string;
  /** Exactly one target kind is set for most routes; only networkInterfaceId matters to us. */
  networkInterfaceId?: string;
  gatewayId?: string;
  natGatewayId?: string;
  instanceId?: string;
  transitGatewayId?: string;
  state?: string;
}

export interface RouteTableView {
  routeTableId: string;
  vpcId: string;
  routes: RouteView[];
  tags: ResourceTags;
}

export interface NetworkInterfaceView {
  networkInterfaceId: string;
  sourceDestCheck: boolean;
  availabilityZone: string;
  subnetId: string;
  vpcId: string;
  instanceId?: string;
  tags: ResourceTags;
}

export interface Ec2Port {
  /** undefined when the allocation does not exist (InvalidAllocationID.NotFound is mapped to undefined here). */
  describeAddress(allocationId: string, signal: AbortSignal): Promise<AddressView | undefined>;
  /** Always AllowReassociation: taking the address over from a dead leader is the point. */
  /** privateIpAddress: which of the ENI's addresses to map to; EC2 picks the primary one when absent. */
  associateAddress(
    req: { allocationId: string; networkInterfaceId: string; privateIpAddress?: string },
    signal: AbortSignal,
  ): Promise<{ associationId: string }>;
  /** The listed tables that exist; a missing id is simply absent from the result. */
  describeRouteTables(routeTableIds: readonly string[], signal: AbortSignal): Promise<RouteTableView[]>;
  replaceRoute(
    req: { routeTableId: string; destinationCidr: string; networkInterfaceId: string },
    signal: AbortSignal,
  ): Promise<void>;
  createRoute(
    req: { routeTableId: string; destinationCidr: string; networkInterfaceId: string },
    signal: AbortSignal,
  ): Promise<void>;
  describeNetworkInterface(eniId: string, signal: AbortSignal): Promise<NetworkInterfaceView | undefined>;
  setSourceDestCheck(eniId: string, enabled: boolean, signal: AbortSignal): Promise<void>;
  /** Overwrites the given keys on the resources (CreateTags). */
  tagResources(resourceIds: readonly string[], tags: ResourceTags, signal: AbortSignal): Promise<void>;
}
