// Builders for PortForward tests: the controller wired to in-memory ports, snapshots of several resources.
import type { Forward } from '../controllers/port-forward/forwards.js';
import { createPortForwardController } from '../controllers/port-forward/index.js';
import type { PortForwardAction, PortForwardDesired } from '../controllers/port-forward/types.js';
import { SYSCTL } from '../controllers/source-nat/names.js';
import type { NftTable } from '../renderers/nft/model.js';
import type { DesiredState, KindSnapshot, StoredResource } from '../runtime/controller.js';
import fc from 'fast-check';
import { validatePortForwardSpec } from '../controllers/port-forward/spec.js';
import { disjointCidrs } from './arbitraries.js';
import { FakeNft } from './fake-nft.js';
import { FakeSysctl, type FakeSysctlEntry } from './fake-sysctl.js';

export const signal = (): AbortSignal => new AbortController().signal;

export type PortForwardController = ReturnType<typeof createPortForwardController>;

export interface ResourceInput {
  name: string;
  spec: unknown;
  generation?: number;
  /** Claim order: defaults to the order given (minute i of a fixed day). */
  modifiedAt?: string;
}

export function pfSnapshot(resources: readonly ResourceInput[]): KindSnapshot {
  return {
    kind: 'PortForward',
    resources: resources.map((r, i): StoredResource => ({
      name: r.name,
      generation: r.generation ?? 1,
      value: JSON.stringify(r.spec),
      modifiedAt: r.modifiedAt ?? `2025-01-01T00:${String(i).padStart(2, '0')}:00.000Z`,
    })),
  };
}

/** A compiled forward: tcp 8080 -> 10.0.1.5:80 from anywhere, masqueraded, unless overridden. */
export function fwd(over: Partial<Forward> = {}): Forward {
  return {
    resource: 'web',
    rule: 0,
    listenField: 'listenPort',
    protocol: 'tcp',
    listen: { first: 8080, last: 8080 },
    destinationIp: '10.0.1.5',
    destinationPort: 80,
    sources: ['0.0.0.0/0'],
    masquerade: true,
    ...over,
  };
}

/** A rule as users write it most often: tcp <listen> -> <ip>:<port>. */
export function rule(listenPort: number, destinationIp: string, destinationPort?: number): Record<string, unknown> {
  return { listenPort, destinationIp, ...(destinationPort !== undefined ? { destinationPort } : {}) };
}

export interface PfHarnessOptions {
  tables?: readonly NftTable[];
  ipForward?: FakeSysctlEntry;
  maxRules?: number;
}

export function pfHarness(opts: PfHarnessOptions = {}): {
  nft: FakeNft;
  sysctl: FakeSysctl;
  controller: PortForwardController;
} {
  const nft = new FakeNft(opts.tables ?? []);
  const sysctl = new FakeSysctl({ [SYSCTL.ipForward]: opts.ipForward ?? { value: '1', writable: true } });
  const controller = createPortForwardController({
    ports: { nft, sysctl },
    ...(opts.maxRules !== undefined ? { maxRules: opts.maxRules } : {}),
  });
  return { nft, sysctl, controller };
}

export function decoded(controller: PortForwardController, snapshot: KindSnapshot): DesiredState<PortForwardDesired> {
  const result = controller.decode(snapshot);
  if (!result.ok) throw new Error(`decode failed: ${result.errors.join('; ')}`);
  return result.desired;
}

/** One level-based pass: observe, plan, apply what was planned. Returns the plan it applied. */
export async function reconcilePass(
  controller: PortForwardController,
  desired: DesiredState<PortForwardDesired>,
  full = false,
): Promise<PortForwardAction[]> {
  const actions = controller.plan(desired, await controller.observe(signal(), { full, desired }));
  await controller.apply(actions, signal());
  return actions;
}

/** The plan of a fresh full observe: [] when converged. */
export async function planNow(
  controller: PortForwardController,
  desired: DesiredState<PortForwardDesired>,
  full = true,
): Promise<PortForwardAction[]> {
  return controller.plan(desired, await controller.observe(signal(), { full, desired }));
}

/**
 * A rule over small port and address pools, so that rules of different resources often clash. Single ports leave
 * out destinationPort now and then (kept port); ranges never carry one.
 */
export const pfRuleArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    first: fc.integer({ min: 1, max: 60 }),
    width: fc.oneof(
      { weight: 3, arbitrary: fc.constant(-1) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }) },
    ),
    protocol: fc.constantFrom('tcp', 'udp'),
    destinationIp: fc.constantFrom('10.0.1.5', '10.0.1.6', '192.168.0.9'),
    destinationPort: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    allowedSourceCidrs: fc.option(disjointCidrs({ minLength: 1, maxLength: 3, minLen: 8 }), { nil: undefined }),
    masquerade: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ first, width, destinationPort, ...rest }) => {
    const listen = width < 0 ? { listenPort: first } : { listenPortRange: `${first}-${first + width}` };
    const port = width < 0 && destinationPort !== undefined ? { destinationPort } : {};
    return Object.fromEntries(Object.entries({ ...listen, ...port, ...rest }).filter(([, v]) => v !== undefined));
  });

/** A valid spec: generated rules, each kept only if the spec stays valid with it. */
export const pfSpecArb: fc.Arbitrary<{ rules: Record<string, unknown>[] }> = fc
  .array(pfRuleArb, { minLength: 1, maxLength: 8 })
  .map((rules) => ({
    rules: rules.reduce<Record<string, unknown>[]>(
      (kept, r) => (validatePortForwardSpec({ rules: [...kept, r] }).ok ? [...kept, r] : kept),
      [],
    ),
  }));

/** Up to four resources (valid, or now and then invalid), claiming in a random order. */
export const pfSnapshotArb: fc.Arbitrary<KindSnapshot> = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom('web', 'ssh', 'games', 'api', 'dns'),
      spec: fc.oneof({ weight: 9, arbitrary: pfSpecArb }, { weight: 1, arbitrary: fc.constant({ rules: [] }) }),
      generation: fc.integer({ min: 1, max: 9 }),
      minute: fc.integer({ min: 0, max: 59 }),
    }),
    { maxLength: 4, selector: (r) => r.name },
  )
  .map((list) =>
    pfSnapshot(
      list.map(({ minute, ...r }) => ({
        ...r,
        modifiedAt: `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
      })),
    ),
  );
