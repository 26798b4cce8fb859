import type { ProbeResult } from '../../runtime/controller.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { NftPort } from '../../runtime/ports.js';
import { compileFirewall } from './compile/compile.js';
import type { FirewallObserved } from './plan.js';
import type { CommitMemory, FirewallDesired } from './types.js';

/**
 * Reads the table through OwnedTable's element cache; `full` (first pass, after a failed apply) re-reads every
 * element instead of trusting the cache. A refused last commit asks the plan for a rebuild.
 */
export async function observeFirewall(
  table: OwnedTable,
  memory: Readonly<CommitMemory>,
  signal: AbortSignal,
  full: boolean,
): Promise<FirewallObserved> {
  const listed = await table.observe(signal, full);
  return { ...(listed ? { table: listed } : {}), ...(memory.lastCommitFailed ? { rebuild: true } : {}) };
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
export function probeFirewall(nft: NftPort, signal: AbortSignal): Promise<ProbeResult> {
  return probeNftTable(nft, compileFirewall(PROBE_POLICY).table, signal, {
    feature: 'nftables concatenated interval sets',
    mechanism: 'nftables concatenated interval sets',
  });
}
