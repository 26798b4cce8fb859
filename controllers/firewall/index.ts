import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import type { Controller, DesiredState, ProbeResult } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { NftPort } from '../../runtime/ports.js';
import { compileFirewall } from './compile/compile.js';
import { FILTER_TABLE } from './compile/names.js';
import { createFirewallDecoder, type FirewallState } from './decode.js';
import { firewallDetails, firewallWarnings } from './details.js';
import { describeFirewallAction, planFirewall, type FirewallAction, type FirewallObserved } from './plan.js';
import { FirewallTableIo } from './table-io.js';
import { validateFirewallPolicySpec, type FirewallPolicySpec } from './spec.js';
import type { CompiledFirewall, FirewallDesired } from './types.js';

export interface FirewallOptions {
  ports: { nft: NftPort };
  /** Most rules (forward + input) the merged policy may hold; the resource that goes over is rejected. */
  maxRules?: number;
  /** Between full listings the table is read without set elements (see OwnedTable); at least this often in full. */
  fullResyncMs?: number;
  /** Clock of the full-resync timer (tests). */
  now?: () => number;
}

export type FirewallController = Controller<FirewallPolicySpec, FirewallState, FirewallObserved, FirewallAction> & {
  /** The compiled policy the controller applies for this desired state (for `csgw explain`); undefined owns nothing. */
  compiled(desired: DesiredState<FirewallState>): CompiledFirewall | undefined;
};

export function createFirewallController(opts: FirewallOptions): FirewallController {
  const io = new FirewallTableIo(
    new OwnedTable(opts.ports.nft, FILTER_TABLE.family, FILTER_TABLE.name, {
      ...(opts.fullResyncMs !== undefined ? { fullResyncMs: opts.fullResyncMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    }),
  );
  const compile = memoisedCompile();
  const compiled = (state: FirewallState): CompiledFirewall | undefined => state.policy && compile(state.policy);
  return {
    kind: firewallPolicyKind,
    validateSpec: validateFirewallPolicySpec,
    decode: createFirewallDecoder(opts.maxRules),
    probe: (signal) => probeFirewall(opts.ports.nft, signal),
    observe: (signal, { full }) => io.observe(signal, full),
    plan: (desired, observed) => planFirewall(compiled(desired.spec), observed),
    apply: (actions, signal) => io.apply(actions, signal),
    describe: describeFirewallAction,
    details: (desired, observed) => firewallDetails(compiled(desired.spec), desired.spec, observed),
    warnings: (desired) => firewallWarnings(desired.spec),
    compiled: (desired) => compiled(desired.spec),
  };
}

/**
 * Compiling 10,000 rules costs more than planning against them, and plan, verify and details all ask for the same
 * desired state (kept by identity by the reconcile machine), so one compile per desired object is enough.
 */
function memoisedCompile(): (policy: FirewallDesired) => CompiledFirewall {
  const cache = new WeakMap<FirewallDesired, CompiledFirewall>();
  return (policy) => {
    const hit = cache.get(policy);
    if (hit) return hit;
    const result = compileFirewall(policy);
    cache.set(policy, result);
    return result;
  };
}

/** A policy of one rule compiles to the smallest table with the constructs every policy uses. */
const PROBE_POLICY: FirewallDesired = {
  forward: {
    rules: [
      {
        id: 'probe/rules[0]',
        action: 'allow',
        sources: ['10.0.0.0/8'],
        destinations: ['192.168.0.0/16'],
        protocol: 'tcp',
        ports: [{ first: 8000, last: 8100 }],
      },
    ],
    defaultAction: 'allow',
  },
};

/** nft --check of a table with one concatenated interval set lookup: proves the kernel takes them, commits nothing. */
function probeFirewall(nft: NftPort, signal: AbortSignal): Promise<ProbeResult> {
  return probeNftTable(nft, compileFirewall(PROBE_POLICY).table, signal, {
    feature: 'nftables concatenated interval sets',
    mechanism: 'nftables concatenated interval sets',
  });
}
