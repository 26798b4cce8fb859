// The EC2 semantics shared by testing/fake-ec2.ts (the in-memory Ec2Port) and the fake Query-API server beside this
// file. Failures throw Ec2Error named with the real AWS code, so each front end maps or renders them as AWS would.
import type {
  AddressView,
  NetworkInterfaceView,
  ResourceTags,
  RouteTableView,
  RouteView,
} from '../../runtime/aws/ports.js';

/** An AWS API error: name is the AWS error code (err.name is what the SDK and our adapters match on). */
export class Ec2Error extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

export interface Ec2State {
  addresses: AddressView[];
  routeTables: RouteTableView[];
  networkInterfaces: NetworkInterfaceView[];
}

export interface AssociateRequest {
  allocationId: string;
  networkInterfaceId: string;
  allowReassociation: boolean;
  privateIpAddress?: string;
}

export interface RouteRequest {
  routeTableId: string;
  destinationCidr: string;
  networkInterfaceId: string;
}

/** The NotFound code EC2 answers for an unknown id of each resource kind, by id prefix. */
const NOT_FOUND_BY_PREFIX: readonly (readonly [string, string])[] = [
  ['eipalloc-', 'InvalidAllocationID.NotFound'],
  ['rtb-', 'InvalidRouteTableID.NotFound'],
  ['eni-', 'InvalidNetworkInterfaceID.NotFound'],
];

function notFound(id: string): Ec2Error {
  const code = NOT_FOUND_BY_PREFIX.find(([prefix]) => id.startsWith(prefix))?.[1] ?? 'InvalidID';
  return new Ec2Error(code, `The ID '${id}' does not exist`);
}

function byId<T>(items: readonly T[] | undefined, idOf: (item: T) => string): Map<string, T> {
  return new Map((items ?? []).map((item) => [idOf(item), structuredClone(item)]));
}

/**
 * In-memory EC2 for addresses, route tables and network interfaces. Reads return copies, so callers can only change
 * state through the API methods (or, in tests, the public maps).
 */
export class Ec2Model {
  readonly addresses: Map<string, AddressView>;
  readonly routeTables: Map<string, RouteTableView>;
  readonly networkInterfaces: Map<string, NetworkInterfaceView>;
  private associations = 0;

  constructor(initial: Partial<Ec2State> = {}) {
    this.addresses = byId(initial.addresses, (a) => a.allocationId);
    this.routeTables = byId(initial.routeTables, (t) => t.routeTableId);
    this.networkInterfaces = byId(initial.networkInterfaces, (n) => n.networkInterfaceId);
  }

  /** Like EC2: no ids lists everything; one unknown id fails the whole call. */
  describeAddresses(allocationIds: readonly string[]): AddressView[] {
    return this.pick(this.addresses, allocationIds);
  }

  /**
   * Associates the address with the interface under a new association id. An address associated elsewhere moves
   * only with allowReassociation; an address already on the same interface and private IP is displaced, as EC2 does.
   */
  associateAddress(req: AssociateRequest): { associationId: string } {
    const address = this.mustGet(this.addresses, req.allocationId);
    const eni = this.mustGet(this.networkInterfaces, req.networkInterfaceId);
    const movesAway =
      address.associationId !== undefined &&
      (address.networkInterfaceId !== req.networkInterfaceId || address.privateIpAddress !== req.privateIpAddress);
    if (movesAway && !req.allowReassociation) {
      throw new Ec2Error('Resource.AlreadyAssociated', `resource ${req.allocationId} is already associated`);
    }
    for (const other of this.addresses.values()) {
      const sameTarget =
        other.networkInterfaceId === req.networkInterfaceId && other.privateIpAddress === req.privateIpAddress;
      if (other !== address && sameTarget) disassociate(other);
    }
    const associationId = this.newAssociationId();
    disassociate(address);
    Object.assign(address, { associationId, networkInterfaceId: eni.networkInterfaceId });
    if (eni.instanceId !== undefined) address.instanceId = eni.instanceId;
    if (req.privateIpAddress !== undefined) address.privateIpAddress = req.privateIpAddress;
    return { associationId };
  }

  /** RouteTableId.N semantics: one unknown id fails the whole call. */
  describeRouteTables(routeTableIds: readonly string[]): RouteTableView[] {
    return this.pick(this.routeTables, routeTableIds);
  }

  /** Filter route-table-id semantics: unknown ids are simply absent. */
  filterRouteTables(routeTableIds: readonly string[]): RouteTableView[] {
    const ids = new Set(routeTableIds);
    return [...this.routeTables.values()].filter((t) => ids.has(t.routeTableId)).map((t) => structuredClone(t));
  }

  createRoute(req: RouteRequest): void {
    const { table, route } = this.routeTarget(req);
    if (route) {
      throw new Ec2Error(
        'RouteAlreadyExists',
        `The route identified by ${req.destinationCidr} already exists in ${req.routeTableId}`,
      );
    }
    table.routes.push(this.routeTo(req));
  }

  replaceRoute(req: RouteRequest): void {
    const { table, route } = this.routeTarget(req);
    if (!route) {
      throw new Ec2Error(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${req.destinationCidr} in route table ${req.routeTableId}`,
      );
    }
    table.routes[table.routes.indexOf(route)] = this.routeTo(req);
  }

  describeNetworkInterfaces(networkInterfaceIds: readonly string[]): NetworkInterfaceView[] {
    return this.pick(this.networkInterfaces, networkInterfaceIds);
  }

  setSourceDestCheck(networkInterfaceId: string, enabled: boolean): void {
    this.mustGet(this.networkInterfaces, networkInterfaceId).sourceDestCheck = enabled;
  }

  /** Merges the tags into each resource, overwriting given keys. All ids are checked before any is changed. */
  createTags(resourceIds: readonly string[], tags: ResourceTags): void {
    const resources = resourceIds.map((id) => this.taggable(id));
    for (const resource of resources) Object.assign(resource.tags, tags);
  }

  snapshot(): Ec2State {
    return structuredClone({
      addresses: [...this.addresses.values()],
      routeTables: [...this.routeTables.values()],
      networkInterfaces: [...this.networkInterfaces.values()],
    });
  }

  /** Skips ids in use, which the initial state may hold. */
  private newAssociationId(): string {
    const inUse = new Set([...this.addresses.values()].map((a) => a.associationId));
    let id: string;
    do {
      this.associations += 1;
      id = `eipassoc-${this.associations.toString(16).padStart(17, '0')}`;
    } while (inUse.has(id));
    return id;
  }

  private taggable(id: string): { tags: ResourceTags } {
    const resource = this.addresses.get(id) ?? this.routeTables.get(id) ?? this.networkInterfaces.get(id);
    if (!resource) throw notFound(id);
    return resource;
  }

  private routeTarget(req: RouteRequest): { table: RouteTableView; route: RouteView | undefined } {
    const table = this.mustGet(this.routeTables, req.routeTableId);
    this.mustGet(this.networkInterfaces, req.networkInterfaceId);
    return { table, route: table.routes.find((r) => r.destinationCidr === req.destinationCidr) };
  }

  /** A route to an interface attached to an instance shows the instance too, as EC2 reports it. */
  private routeTo(req: RouteRequest): RouteView {
    const eni = this.mustGet(this.networkInterfaces, req.networkInterfaceId);
    const route: RouteView = { destinationCidr: req.destinationCidr, networkInterfaceId: eni.networkInterfaceId };
    if (eni.instanceId !== undefined) route.instanceId = eni.instanceId;
    route.state = 'active';
    return route;
  }

  private mustGet<T>(items: Map<string, T>, id: string): T {
    const item = items.get(id);
    if (item === undefined) throw notFound(id);
    return item;
  }

  private pick<T>(items: Map<string, T>, ids: readonly string[]): T[] {
    const picked = ids.length === 0 ? [...items.values()] : [...new Set(ids)].map((id) => this.mustGet(items, id));
    return picked.map((item) => structuredClone(item));
  }
}

function disassociate(address: AddressView): void {
  delete address.associationId;
  delete address.networkInterfaceId;
  delete address.instanceId;
  delete address.privateIpAddress;
}
