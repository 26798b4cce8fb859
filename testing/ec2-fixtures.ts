// Builders for the EC2 controllers' tests: this instance's identity, EC2 resources, snapshots, one reconcile pass.
import type {
  AddressView,
  InstanceIdentity,
  NetworkInterfaceView,
  RouteTableView,
  RouteView,
} from '../runtime/aws/ports.js';
import type { Controller, DesiredState, KindSnapshot } from '../runtime/controller.js';
import { FENCING_TAGS } from '../runtime/lease/fencing.js';
import type { FakeEc2 } from './fake-ec2.js';

export const signal = (): AbortSignal => new AbortController().signal;
export const FULL = { full: true } as const;

/** This instance: the gateway in use1-az1. */
export const SELF: InstanceIdentity = {
  instanceId: 'i-0aaaaaaaaaaaaaaa1',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  availabilityZoneId: 'use1-az1',
  primaryEniId: 'eni-0aaaaaaaaaaaaaaa1',
  accountId: '111111111111',
};

/** The previous leader's interface, and an interface of this instance besides the primary one. */
export const PEER_ENI = 'eni-0bbbbbbbbbbbbbbb2';
export const SECOND_ENI = 'eni-0ccccccccccccccc3';
export const ALLOCATION = 'eipalloc-0123456789abcdef0';
export const PUBLIC_IP = '203.0.113.10';

export function eni(networkInterfaceId: string, over: Partial<NetworkInterfaceView> = {}): NetworkInterfaceView {
  return {
    networkInterfaceId,
    sourceDestCheck: true,
    availabilityZone: 'us-east-1a',
    subnetId: 'subnet-0123456789abcdef0',
    vpcId: 'vpc-0123456789abcdef0',
    tags: {},
    ...over,
  };
}

export const ENIS: NetworkInterfaceView[] = [
  eni(SELF.primaryEniId, { instanceId: SELF.instanceId }),
  eni(PEER_ENI, { instanceId: 'i-0bbbbbbbbbbbbbbb2' }),
  eni(SECOND_ENI, { instanceId: SELF.instanceId }),
];

export function address(over: Partial<AddressView> = {}): AddressView {
  return { allocationId: ALLOCATION, publicIp: PUBLIC_IP, tags: {}, ...over };
}

export function routeTable(routeTableId: string, routes: RouteView[] = [], tags = {}): RouteTableView {
  return { routeTableId, vpcId: 'vpc-0123456789abcdef0', routes, tags };
}

export const localRoute: RouteView = { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' };

export function fenceTags(holder: string, epoch: number, scope: string): Record<string, string> {
  return { [FENCING_TAGS.holder]: holder, [FENCING_TAGS.epoch]: String(epoch), [FENCING_TAGS.scope]: scope };
}

export function snapshot(kind: string, spec: unknown, name: string, generation = 1): KindSnapshot {
  return { kind, resources: [{ name, generation, value: JSON.stringify(spec) }] };
}

/** An AWS SDK-style error: the fake maps it by name, as the real adapter does. */
export function awsError(code: string): Error {
  const err = new Error(`${code} (from AWS)`);
  err.name = code;
  return err;
}

const WRITES = new Set(['associateAddress', 'replaceRoute', 'createRoute', 'setSourceDestCheck', 'tagResources']);

/** The calls that change something, in order. */
export function writesOf(ec2: FakeEc2): { action: string; args: unknown }[] {
  return ec2.calls.filter((c) => WRITES.has(c.action));
}

export function decoded<S, D, O, A>(controller: Controller<S, D, O, A>, snap: KindSnapshot): DesiredState<D> {
  const result = controller.decode(snap);
  if (!result.ok) throw new Error(`decode failed: ${result.errors.join('; ')}`);
  return result.desired;
}

/** One level-based pass: observe, plan, apply what was planned. Returns the plan it applied. */
export async function reconcilePass<S, D, O, A>(
  controller: Controller<S, D, O, A>,
  desired: DesiredState<D>,
): Promise<A[]> {
  const actions = controller.plan(desired, await controller.observe(signal(), { ...FULL, desired }));
  await controller.apply(actions, signal());
  return actions;
}
