import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import type { Controller, DesiredState } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { NftPort } from '../../runtime/ports.js';
import { applyFirewall } from './apply.js';
import { memoisedCompile } from './compile/compile.js';
import { FILTER_TABLE } from './compile/names.js';
import { createFirewallDecoder, type FirewallState } from './decode.js';
import { observeFirewall, probeFirewall } from './observe.js';
import { describeFirewallAction, planFirewall, type FirewallAction, type FirewallObserved } from './plan.js';
import { validateFirewallPolicySpec, type FirewallPolicySpec } from './spec.js';
import { firewallDetails, firewallWarnings } from './status.js';
import type { CommitMemory, CompiledFirewall } from './types.js';

export interface FirewallOptions {
  ports: { nft: NftPort };
  /** Most rules (forward + input) the merged policy may hold; the resource that goes over is rejected. */
  maxRules?: number;
  /** Between full listings the table is read from memory (see OwnedTable); at least this often in full. */
  fullResyncMs?: number;
  /** Clock of the full-resync timer (tests). */
  now?: () => number;
}

export type FirewallController = Controller<FirewallPolicySpec, FirewallState, FirewallObserved, FirewallAction> & {
  /** The compiled policy the controller applies for this desired state (for `csgw explain`); undefined owns nothing. */
  compiled(desired: DesiredState<FirewallState>): CompiledFirewall | undefined;
};

export function createFirewallController(opts: FirewallOptions): FirewallController {
  const table = new OwnedTable(opts.ports.nft, FILTER_TABLE.family, FILTER_TABLE.name, {
    ...(opts.fullResyncMs !== undefined ? { fullResyncMs: opts.fullResyncMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const memory: CommitMemory = { lastCommitFailed: false };
  const compile = memoisedCompile();
  const compiled = (state: FirewallState): CompiledFirewall | undefined => state.policy && compile(state.policy);
  return {
    kind: firewallPolicyKind,
    validateSpec: validateFirewallPolicySpec,
    decode: createFirewallDecoder(opts.maxRules),
    changes$: table.changes$,
    probe: (signal) => probeFirewall(opts.ports.nft, signal),
    observe: (signal, { full }) => observeFirewall(table, memory, signal, full),
    plan: (desired, observed) => planFirewall(compiled(desired.spec), observed),
    apply: (actions, signal) => applyFirewall(table, memory, actions, signal),
    describe: describeFirewallAction,
    details: (desired, observed) => ({
      ...firewallDetails(compiled(desired.spec), desired.spec, observed),
      tamperDetection: table.tamperDetection,
    }),
    warnings: (desired) => firewallWarnings(desired.spec),
    compiled: (desired) => compiled(desired.spec),
    shutdown: () => Promise.resolve(table.close()),
  };
}
