// Builders for SourceNat tests: the controller wired to in-memory ports, snapshots and observed states.
import { createSourceNatController } from '../controllers/source-nat/index.js';
import { SYSCTL } from '../controllers/source-nat/names.js';
import type { SourceNatSpec } from '../controllers/source-nat/spec.js';
import type { SourceNatAction, SourceNatObserved } from '../controllers/source-nat/types.js';
import type { NftTable } from '../renderers/nft/model.js';
import type { DesiredState, KindSnapshot } from '../runtime/controller.js';
import type { InterfaceAddress, RouteInfo, SysctlValue } from '../runtime/ports.js';
import { addr, FakeHostNet } from './fake-host-net.js';
import { FakeNft } from './fake-nft.js';
import { FakeSysctl, type FakeSysctlEntry } from './fake-sysctl.js';

export const signal = (): AbortSignal => new AbortController().signal;
/** SourceNat keeps no caches, so full and incremental observes read the same; tests ask for full ones. */
export const FULL = { full: true } as const;

/** A typical EC2 NAT instance: ens5 is the egress (default route), ens6 faces a private subnet. */
export const HOST = {
  defaultRoute: { interface: 'ens5', gateway: '10.0.0.1' } satisfies RouteInfo,
  addresses: [addr('ens5', '10.0.0.10/24'), addr('ens6', '10.0.1.10/24')] satisfies InterfaceAddress[],
};

/** Sysctls of a host that already forwards, with loose rp_filter and stock conntrack limits. */
export function hostSysctls(over: Readonly<Record<string, SysctlValue>> = {}): Record<string, FakeSysctlEntry> {
  return {
    [SYSCTL.ipForward]: { value: '1', writable: true },
    [SYSCTL.rpFilter]: { value: '0', writable: true },
    [SYSCTL.conntrackMax]: { value: '65536', writable: true },
    [SYSCTL.tcpEstablishedTimeout]: { value: '432000', writable: true },
    ...over,
  };
}

export function observedState(over: Partial<SourceNatObserved> = {}): SourceNatObserved {
  return {
    sysctls: hostSysctls(),
    defaultRoute: { ...HOST.defaultRoute },
    addresses: HOST.addresses.map((a) => ({ ...a })),
    ...over,
  };
}

export function desiredState(spec: Partial<SourceNatSpec> = {}, generation = 1): DesiredState<SourceNatSpec> {
  return { name: 'default', generation, spec: { enable: true, mode: 'masquerade', ...spec } };
}

/** What decode yields when no SourceNat resource exists. */
export const NO_RESOURCE: DesiredState<SourceNatSpec> = { spec: { enable: false, mode: 'masquerade' } };

export function natSnapshot(spec: unknown, generation = 1, name = 'default'): KindSnapshot {
  return { kind: 'SourceNat', resources: [{ name, generation, value: JSON.stringify(spec) }] };
}

export interface NatHarnessOptions {
  tables?: readonly NftTable[];
  sysctls?: Readonly<Record<string, FakeSysctlEntry | string>>;
  defaultRoute?: RouteInfo;
  addresses?: InterfaceAddress[];
  vpcCidrs?: readonly string[];
}

export function natHarness(opts: NatHarnessOptions = {}): {
  nft: FakeNft;
  sysctl: FakeSysctl;
  hostNet: FakeHostNet;
  controller: ReturnType<typeof createSourceNatController>;
} {
  const nft = new FakeNft(opts.tables ?? []);
  const sysctl = new FakeSysctl(opts.sysctls ?? hostSysctls());
  const hostNet = new FakeHostNet({
    ...('defaultRoute' in opts
      ? opts.defaultRoute
        ? { defaultRoute: opts.defaultRoute }
        : {}
      : { defaultRoute: HOST.defaultRoute }),
    addresses: opts.addresses ?? HOST.addresses,
  });
  const controller = createSourceNatController({ ports: { nft, sysctl, hostNet }, vpcCidrs: opts.vpcCidrs ?? [] });
  return { nft, sysctl, hostNet, controller };
}

/** One level-based pass: observe, plan, apply what was planned. Returns the plan it applied. */
export async function reconcilePass(
  controller: ReturnType<typeof createSourceNatController>,
  desired: DesiredState<SourceNatSpec>,
): Promise<SourceNatAction[]> {
  const actions = controller.plan(desired, await controller.observe(signal(), { ...FULL, desired }));
  await controller.apply(actions, signal());
  return actions;
}
