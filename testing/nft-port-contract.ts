// The NftPort contract, runnable against any implementation: FakeNft in the unit project
// (adapters/fake-nft.contract.test.ts) and the real nft adapter inside a network namespace in the integration project.
// Only NftPort methods are used here, and every test cleans up the tables it creates.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NftOp, NftTable } from '../renderers/nft/model.js';
import type { NftPort } from '../runtime/ports.js';

export const CONTRACT_TABLES = { main: 'csgw_contract', other: 'csgw_contract_other' } as const;

/** A table in the exact shape the kernel lists back: sorted canonical elements, flags as nft prints them. */
export function contractTable(name: string = CONTRACT_TABLES.main, variant: 'a' | 'b' = 'a'): NftTable {
  const sources = variant === 'a' ? ['10.0.0.0/16', '172.16.0.1-172.16.0.9', '192.168.1.7/32'] : ['10.9.0.0/24'];
  return {
    family: 'inet',
    name,
    sets: [
      { name: 'sources', type: 'ipv4_addr', flags: ['interval'], elements: sources },
      { name: 'ports', type: 'inet_service', flags: [], elements: variant === 'a' ? ['22', '443'] : ['8080'] },
      { name: 'empty', type: 'ipv4_addr', flags: ['interval'], elements: [] },
    ],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
        rules: [
          {
            comment: 'counted/sources',
            expr: [
              { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@sources' } },
              { counter: null },
              { accept: null },
            ],
          },
          {
            expr: [
              { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: '@ports' } },
              { accept: null },
            ],
          },
          { expr: [{ counter: null }] },
        ],
      },
      ...(variant === 'a'
        ? [
            {
              name: 'postrouting',
              base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } as const,
              rules: [
                {
                  comment: 'sourcenat/contract',
                  expr: [
                    { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } },
                    { counter: null },
                    { masquerade: null },
                  ],
                },
              ],
            },
          ]
        : []),
    ],
  };
}

export type MakeNftPort = () => NftPort | Promise<NftPort>;

export function describeNftPortContract(name: string, makePort: MakeNftPort): void {
  describe(`NftPort contract: ${name}`, () => {
    let port: NftPort;
    const signal = (): AbortSignal => new AbortController().signal;
    const replace = (table: NftTable): NftOp => ({ op: 'replaceTable', table });
    const del = (table: string): NftOp => ({ op: 'deleteTable', family: 'inet', name: table });
    const list = (table: string = CONTRACT_TABLES.main): ReturnType<NftPort['listTable']> =>
      port.listTable('inet', table, signal());

    beforeEach(async () => {
      port = await makePort();
    });

    afterEach(async () => {
      for (const table of Object.values(CONTRACT_TABLES)) {
        if (await list(table)) await port.commit([del(table)], signal());
      }
    });

    it('lists a missing table as undefined', async () => {
      await expect(list()).resolves.toBeUndefined();
    });

    it('lists a replaced table exactly as it was committed', async () => {
      await port.commit([replace(contractTable())], signal());
      expect((await list())?.table).toEqual(contractTable());
    });

    it('replacing twice with the same table is idempotent', async () => {
      await port.commit([replace(contractTable())], signal());
      const first = await list();
      await port.commit([replace(contractTable())], signal());
      const second = await list();
      expect(second?.table).toEqual(first?.table);
      expect(second?.table).toEqual(contractTable());
      expect(second?.counters).toHaveLength(first?.counters.length ?? -1);
    });

    it('replacing with different content leaves nothing of the old table behind', async () => {
      await port.commit([replace(contractTable(CONTRACT_TABLES.main, 'a'))], signal());
      await port.commit([replace(contractTable(CONTRACT_TABLES.main, 'b'))], signal());
      const listed = await list();
      expect(listed?.table).toEqual(contractTable(CONTRACT_TABLES.main, 'b'));
      expect(listed?.table.chains.map((c) => c.name)).toEqual(['forward']);
    });

    it('deleteTable removes the table and only that table', async () => {
      await port.commit([replace(contractTable()), replace(contractTable(CONTRACT_TABLES.other, 'b'))], signal());
      await port.commit([del(CONTRACT_TABLES.main)], signal());
      await expect(list()).resolves.toBeUndefined();
      expect((await list(CONTRACT_TABLES.other))?.table).toEqual(contractTable(CONTRACT_TABLES.other, 'b'));
    });

    it('a transaction that fails part-way leaves the previous table untouched (all or nothing)', async () => {
      await port.commit([replace(contractTable(CONTRACT_TABLES.main, 'a'))], signal());
      // The replace is valid, the delete of a missing table is not: neither may take effect.
      const ops = [replace(contractTable(CONTRACT_TABLES.main, 'b')), del('csgw_contract_missing')];
      await expect(port.commit(ops, signal())).rejects.toThrow();
      expect((await list())?.table).toEqual(contractTable(CONTRACT_TABLES.main, 'a'));
      await expect(list(CONTRACT_TABLES.other)).resolves.toBeUndefined();
    });

    it('refuses a rule that refers to a missing set and keeps the previous table', async () => {
      await port.commit([replace(contractTable())], signal());
      const broken = contractTable(CONTRACT_TABLES.main, 'b');
      broken.sets = broken.sets.filter((s) => s.name !== 'sources');
      await expect(port.commit([replace(broken)], signal())).rejects.toThrow();
      expect((await list())?.table).toEqual(contractTable());
    });

    it('refuses overlapping intervals in an interval set', async () => {
      const overlapping = contractTable();
      overlapping.sets[0] = {
        name: 'sources',
        type: 'ipv4_addr',
        flags: ['interval'],
        elements: ['10.0.0.0/16', '10.0.1.0/24'],
      };
      await expect(port.commit([replace(overlapping)], signal())).rejects.toThrow();
      await expect(list()).resolves.toBeUndefined();
    });

    it('lists one counter per rule that carries a counter, starting at zero', async () => {
      await port.commit([replace(contractTable())], signal());
      const counters = (await list())?.counters;
      expect(counters).toEqual([
        { chain: 'forward', index: 0, comment: 'counted/sources', packets: 0, bytes: 0 },
        { chain: 'forward', index: 2, packets: 0, bytes: 0 },
        { chain: 'postrouting', index: 0, comment: 'sourcenat/contract', packets: 0, bytes: 0 },
      ]);
    });

    it('check validates without changing anything', async () => {
      await port.check([replace(contractTable())], signal());
      await expect(list()).resolves.toBeUndefined();
      const broken = contractTable();
      broken.sets = [];
      await expect(port.check([replace(broken)], signal())).rejects.toThrow();
    });
  });
}
