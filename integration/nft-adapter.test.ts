import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { buildNatTable } from '../controllers/source-nat/table.js';
import type { SourceNatSpec } from '../controllers/source-nat/spec.js';
import { describeNftPortContract } from '../testing/nft-port-contract.js';
import { describeNftChainContract } from '../testing/nft-port-contract-chains.js';
import { describeNftElementContract } from '../testing/nft-port-contract-elements.js';
import { disjointCidrs, interfaceName, ipv4Address } from '../testing/arbitraries.js';

// The same contract the FakeNft passes, against the real kernel: the fake is only as good as this agreement.
describeNftPortContract('real nft adapter', () => createNftAdapter(createExecRunner()));
describeNftElementContract('real nft adapter', () => createNftAdapter(createExecRunner()));
describeNftChainContract('real nft adapter', () => createNftAdapter(createExecRunner()));

describe('SourceNat tables round-trip through the kernel', () => {
  const nft = createNftAdapter(createExecRunner());
  const signal = new AbortController().signal;

  it('what the controller renders is exactly what it reads back, for random specs', async () => {
    const spec = fc.record({
      sources: disjointCidrs({ minLength: 1, maxLength: 6 }),
      excludes: disjointCidrs({ maxLength: 4 }),
      egress: interfaceName,
      snat: fc.option(ipv4Address, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ sources, excludes, egress, snat }) => {
        const natSpec: SourceNatSpec = {
          enable: true,
          mode: snat ? 'snat' : 'masquerade',
          ...(snat ? { snatAddress: snat } : {}),
          excludeDestinationCidrs: excludes,
        };
        const table = buildNatTable('default', natSpec, {
          egressInterface: egress,
          egressInterfaceSource: 'spec',
          sourceCidrs: sources,
          sourceCidrsSource: 'spec',
        });
        await nft.commit([{ op: 'replaceTable', table }], signal);
        const observed = await nft.listTable(table.family, table.name, signal);
        expect(observed?.table).toEqual(table);
      }),
      { numRuns: 40 },
    );
    await nft.commit([{ op: 'deleteTable', family: 'inet', name: 'csgw_nat' }], signal);
  }, 120_000);
});
