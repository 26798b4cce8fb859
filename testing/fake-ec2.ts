// In-memory Ec2Port over the shared EC2 model (lab/fake-ec2/model.ts), failing like adapters/aws/ec2.ts does: every
// failure is a ControllerError mapped by adapters/aws/ec2-errors.ts. Records every call and can inject failures.
import { toControllerError } from '../adapters/aws/ec2-errors.js';
import type { AddressView, Ec2Port, NetworkInterfaceView, ResourceTags, RouteTableView } from '../runtime/aws/ports.js';
import { Ec2Model, type Ec2State } from '../lab/fake-ec2/model.js';

export type Ec2Action = keyof Ec2Port;

export interface FakeEc2Call {
  action: Ec2Action;
  /**
   * A copy of the request: the id for describeAddress / describeNetworkInterface, the id list for
   * describeRouteTables, the request object for associateAddress / createRoute / replaceRoute,
   * { eniId, enabled } for setSourceDestCheck and { resourceIds, tags } for tagResources.
   */
  args: unknown;
}

type RouteReq = { routeTableId: string; destinationCidr: string; networkInterfaceId: string };

function abortError(): Error {
  const err = new Error('the operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** The model's "not found" for one id means absence here, as in the real adapter. */
function orAbsent<T>(code: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as Error).name === code) return undefined;
    throw err;
  }
}

export class FakeEc2 implements Ec2Port {
  readonly model: Ec2Model;
  readonly addresses: Map<string, AddressView>;
  readonly routeTables: Map<string, RouteTableView>;
  readonly networkInterfaces: Map<string, NetworkInterfaceView>;
  /** Every call that reached "AWS" (not aborted before), including those failed by injection, in order. */
  readonly calls: FakeEc2Call[] = [];
  private readonly nextFailures = new Map<Ec2Action, Error[]>();
  private readonly alwaysFailures = new Map<Ec2Action, Error>();

  constructor(initial: Partial<Ec2State> = {}) {
    this.model = new Ec2Model(initial);
    this.addresses = this.model.addresses;
    this.routeTables = this.model.routeTables;
    this.networkInterfaces = this.model.networkInterfaces;
  }

  /**
   * The next call of action fails with err; repeated calls queue up. A plain Error named with an AWS code (e.g.
   * name 'UnauthorizedOperation') is mapped like the real adapter maps it; a ControllerError passes through.
   */
  failNext(action: Ec2Action, err: Error): void {
    this.nextFailures.set(action, [...(this.nextFailures.get(action) ?? []), err]);
  }

  /** Every call of action fails with err until clearFailures(); queued failNext errors come first. */
  failAlways(action: Ec2Action, err: Error): void {
    this.alwaysFailures.set(action, err);
  }

  clearFailures(): void {
    this.nextFailures.clear();
    this.alwaysFailures.clear();
  }

  /** The calls of one action, in order. */
  callsOf(action: Ec2Action): unknown[] {
    return this.calls.filter((c) => c.action === action).map((c) => c.args);
  }

  describeAddress(allocationId: string, signal: AbortSignal): Promise<AddressView | undefined> {
    return this.run('describeAddress', allocationId, signal, `DescribeAddresses ${allocationId}`, () =>
      orAbsent('InvalidAllocationID.NotFound', () => this.model.describeAddresses([allocationId])[0]),
    );
  }

  associateAddress(
    req: { allocationId: string; networkInterfaceId: string; privateIpAddress?: string },
    signal: AbortSignal,
  ): Promise<{ associationId: string }> {
    const label = `AssociateAddress ${req.allocationId} -> ${req.networkInterfaceId}`;
    return this.run('associateAddress', { ...req }, signal, label, () =>
      this.model.associateAddress({ ...req, allowReassociation: true }),
    );
  }

  describeRouteTables(routeTableIds: readonly string[], signal: AbortSignal): Promise<RouteTableView[]> {
    const ids = [...routeTableIds];
    return this.run('describeRouteTables', ids, signal, `DescribeRouteTables ${ids.join(',')}`, () =>
      this.model.filterRouteTables(ids),
    );
  }

  replaceRoute(req: RouteReq, signal: AbortSignal): Promise<void> {
    const label = `ReplaceRoute ${req.routeTableId} ${req.destinationCidr}`;
    return this.run('replaceRoute', { ...req }, signal, label, () => this.model.replaceRoute(req));
  }

  createRoute(req: RouteReq, signal: AbortSignal): Promise<void> {
    const label = `CreateRoute ${req.routeTableId} ${req.destinationCidr}`;
    return this.run('createRoute', { ...req }, signal, label, () => this.model.createRoute(req));
  }

  describeNetworkInterface(eniId: string, signal: AbortSignal): Promise<NetworkInterfaceView | undefined> {
    return this.run('describeNetworkInterface', eniId, signal, `DescribeNetworkInterfaces ${eniId}`, () =>
      orAbsent('InvalidNetworkInterfaceID.NotFound', () => this.model.describeNetworkInterfaces([eniId])[0]),
    );
  }

  setSourceDestCheck(eniId: string, enabled: boolean, signal: AbortSignal): Promise<void> {
    const label = `ModifyNetworkInterfaceAttribute ${eniId} SourceDestCheck=${enabled}`;
    return this.run('setSourceDestCheck', { eniId, enabled }, signal, label, () =>
      this.model.setSourceDestCheck(eniId, enabled),
    );
  }

  tagResources(resourceIds: readonly string[], tags: ResourceTags, signal: AbortSignal): Promise<void> {
    const ids = [...resourceIds];
    const args = { resourceIds: ids, tags: { ...tags } };
    return this.run('tagResources', args, signal, `CreateTags ${ids.join(',')}`, () => {
      // The real adapter sends nothing for an empty request, so unknown ids cannot fail it.
      if (ids.length > 0 && Object.keys(tags).length > 0) this.model.createTags(ids, tags);
    });
  }

  /** One port call: abort check, call log, injected failure, then the model; every failure as a ControllerError. */
  private run<T>(action: Ec2Action, args: unknown, signal: AbortSignal, label: string, op: () => T): Promise<T> {
    if (signal.aborted) return Promise.reject(toControllerError(abortError(), label));
    this.calls.push({ action, args });
    try {
      const injected = this.nextFailures.get(action)?.shift() ?? this.alwaysFailures.get(action);
      if (injected) throw injected;
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(toControllerError(err, label));
    }
  }
}
