// Builders for FirewallPolicy tests: the controller wired to an in-memory nft, snapshots of many resources, passes.
import { createFirewallController, type FirewallController } from '../controllers/firewall/index.js';
import type { FirewallState } from '../controllers/firewall/decode.js';
import type { FirewallAction } from '../controllers/firewall/plan.js';
import type { NftTable } from '../renderers/nft/model.js';
import type { DesiredState, KindSnapshot } from '../runtime/controller.js';
import { numberToIpv4 } from '../runtime/net/cidr.js';
import { FakeNft } from './fake-nft.js';

export const signal = (): AbortSignal => new AbortController().signal;

/** One FirewallPolicy resource as stored; `spec` is serialised as written (it may be invalid on purpose). */
export interface PolicyResource {
  name: string;
  spec: unknown;
  generation?: number;
  /** Defaults to a time that follows the resource's position in the list: listed order is write order. */
  modifiedAt?: string;
}

export function fwSnapshot(...resources: PolicyResource[]): KindSnapshot {
  return {
    kind: 'FirewallPolicy',
    resources: resources.map((r, i) => ({
      name: r.name,
      generation: r.generation ?? 1,
      value: JSON.stringify(r.spec),
      modifiedAt: r.modifiedAt ?? new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    })),
  };
}

export interface FirewallHarnessOptions {
  tables?: readonly NftTable[];
  maxRules?: number;
  fullResyncMs?: number;
  now?: () => number;
}

export function firewallHarness(opts: FirewallHarnessOptions = {}): { nft: FakeNft; controller: FirewallController } {
  const nft = new FakeNft(opts.tables ?? []);
  const controller = createFirewallController({
    ports: { nft },
    ...(opts.maxRules !== undefined ? { maxRules: opts.maxRules } : {}),
    ...(opts.fullResyncMs !== undefined ? { fullResyncMs: opts.fullResyncMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { nft, controller };
}

/** Decodes a snapshot that must decode. */
export function decoded(controller: FirewallController, snapshot: KindSnapshot): DesiredState<FirewallState> {
  const result = controller.decode(snapshot);
  if (!result.ok) throw new Error(`decode failed: ${result.errors.join('; ')}`);
  return result.desired;
}

/** One pass as the reconcile machine runs it: observe (full or cached), plan, apply what was planned. */
export async function reconcilePass(
  controller: FirewallController,
  desired: DesiredState<FirewallState>,
  full = true,
): Promise<FirewallAction[]> {
  const actions = controller.plan(desired, await controller.observe(signal(), { full, desired }));
  await controller.apply(actions, signal());
  return actions;
}

/** The plan a fresh observe gives (the verify step). */
export async function replan(
  controller: FirewallController,
  desired: DesiredState<FirewallState>,
  full = true,
): Promise<FirewallAction[]> {
  return controller.plan(desired, await controller.observe(signal(), { full, desired }));
}

/**
 * `count` allow rules, each for its own /32 destination on tcp/443: disjoint, one action, so they compile to one
 * group (one set, one lookup) whatever the count.
 */
export function allowRules(count: number, offset = 0): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    action: 'allow',
    destinationCidrs: [`${numberToIpv4(0x0a000000 + offset + i)}/32`],
    protocol: 'tcp',
    destinationPorts: [443],
  }));
}
