// The NftPort contract for chain operations (add, rewrite, delete one chain of a live table): run against FakeNft
// (unit) and the real nft adapter in a network namespace (integration), so the fake cannot drift from the kernel.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NftChain, NftOp, NftTable } from '../renderers/nft/model.js';
import type { NftPort } from '../runtime/ports.js';
import { CONTRACT_TABLES, type MakeNftPort } from './nft-port-contract.js';

const REF = { family: 'inet', table: CONTRACT_TABLES.main } as const;

function target(name: string, verdict: 'accept' | 'drop' = 'accept'): NftChain {
  return { name, rules: [{ expr: [{ counter: null }, { [verdict]: null }] }] };
}

/** A chain spreading over targets with `numgen inc` and a verdict map, as a LoadBalancer service chain does. */
function spread(targets: readonly string[]): NftChain {
  const set = targets.map((t, i) => [i, { goto: { target: t } }]);
  return {
    name: 'svc',
    rules: [{ expr: [{ vmap: { key: { numgen: { mode: 'inc', mod: targets.length, offset: 0 } }, data: { set } } }] }],
  };
}

/** Two targets, the chain spreading over them, and a base chain jumping to it: as nft lists it back. */
export function chainsTable(): NftTable {
  return {
    family: REF.family,
    name: REF.table,
    sets: [],
    chains: [
      target('tgt-a'),
      target('tgt-b', 'drop'),
      spread(['tgt-a', 'tgt-b']),
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
        rules: [{ expr: [{ jump: { target: 'svc' } }] }],
      },
    ],
  };
}

export function describeNftChainContract(name: string, makePort: MakeNftPort): void {
  describe(`NftPort chain contract: ${name}`, () => {
    let port: NftPort;
    const signal = (): AbortSignal => new AbortController().signal;
    const list = async (): Promise<NftTable | undefined> =>
      (await port.listTable(REF.family, REF.table, signal()))?.table;
    const chainsOf = async (): Promise<string[] | undefined> => (await list())?.chains.map((c) => c.name);

    beforeEach(async () => {
      port = await makePort();
      await port.commit([{ op: 'replaceTable', table: chainsTable() }], signal());
    });

    afterEach(async () => {
      if (await list()) await port.commit([{ op: 'deleteTable', family: REF.family, name: REF.table }], signal());
    });

    it('adds a chain with its rules, listed after the chains already there, and changes no other chain', async () => {
      await port.commit([{ op: 'addChain', ...REF, chain: target('tgt-c') }], signal());
      expect(await list()).toEqual({ ...chainsTable(), chains: [...chainsTable().chains, target('tgt-c')] });
    });

    it('rewrites one chain in place: the others, and a base chain hook, stay as they were', async () => {
      const forward = {
        ...chainsTable().chains[3]!,
        rules: [{ expr: [{ counter: null }, { jump: { target: 'svc' } }] }],
      };
      await port.commit(
        [
          { op: 'replaceChain', ...REF, chain: spread(['tgt-b']) },
          { op: 'replaceChain', ...REF, chain: forward },
        ],
        signal(),
      );
      const [a, b] = chainsTable().chains;
      expect(await list()).toEqual({ ...chainsTable(), chains: [a, b, spread(['tgt-b']), forward] });
    });

    it('swaps a target in one transaction: add its chain, rewrite the spread, delete the chain left behind', async () => {
      const ops: NftOp[] = [
        { op: 'addChain', ...REF, chain: target('tgt-c') },
        { op: 'replaceChain', ...REF, chain: spread(['tgt-b', 'tgt-c']) },
        { op: 'deleteChains', ...REF, names: ['tgt-a'] },
      ];
      await port.commit(ops, signal());
      expect(await chainsOf()).toEqual(['tgt-b', 'svc', 'forward', 'tgt-c']);
      expect((await list())?.chains[1]).toEqual(spread(['tgt-b', 'tgt-c']));
    });

    it('deletes chains that jump to each other together, once nothing else jumps to them', async () => {
      const unhooked = { ...chainsTable().chains[3]!, rules: [] };
      await port.commit(
        [
          { op: 'replaceChain', ...REF, chain: unhooked },
          { op: 'deleteChains', ...REF, names: ['svc', 'tgt-a', 'tgt-b'] },
        ],
        signal(),
      );
      expect(await list()).toEqual({ ...chainsTable(), chains: [unhooked] });
    });

    it.each<[string, NftOp[]]>([
      ['deleting a chain something still jumps to', [{ op: 'deleteChains', ...REF, names: ['tgt-a'] }]],
      ['rewriting a missing chain', [{ op: 'replaceChain', ...REF, chain: target('tgt-z') }]],
      [
        'a rule jumping to a chain added later in the transaction',
        [
          { op: 'addChain', ...REF, chain: { name: 'svc2', rules: [{ expr: [{ goto: { target: 'tgt-c' } }] }] } },
          { op: 'addChain', ...REF, chain: target('tgt-c') },
        ],
      ],
    ])('refuses %s and changes nothing', async (_why, ops) => {
      await expect(
        port.commit([{ op: 'addChain', ...REF, chain: target('tgt-x') }, ...ops], signal()),
      ).rejects.toThrow();
      expect(await list()).toEqual(chainsTable());
    });
  });
}
