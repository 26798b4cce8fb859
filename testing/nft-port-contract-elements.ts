// The NftPort contract for concatenated sets, maps and element operations: run against FakeNft (unit) and the real
// nft adapter in a network namespace (integration), so the fake cannot drift from what the kernel does.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NftOp, NftSet, NftTable } from '../renderers/nft/model.js';
import type { NftPort } from '../runtime/ports.js';
import { CONTRACT_TABLES, type MakeNftPort } from './nft-port-contract.js';

const FLOW_KEY = ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'] as NftSet['type'];
const FORWARD_KEY = ['ipv4_addr', 'inet_proto', 'inet_service'] as NftSet['type'];
const ip = (field: string): unknown => ({ payload: { protocol: 'ip', field } });
const l4proto = { meta: { key: 'l4proto' } };
const dport = { payload: { protocol: 'th', field: 'dport' } };

/** Sets and maps in the shapes the firewall and port-forward tables use, as nft 1.0.6 lists them back. */
export function elementsTable(): NftTable {
  return {
    family: 'inet',
    name: CONTRACT_TABLES.main,
    sets: [
      {
        name: 'flows',
        type: FLOW_KEY,
        flags: ['interval'],
        elements: ['10.0.0.0/8 . 192.168.1.1/32 . 6 . 80-90', '11.0.0.0/16 . 0.0.0.0/0 . 0-255 . 0-65535'],
      },
      {
        name: 'fwd',
        type: FORWARD_KEY,
        map: 'ipv4_addr',
        flags: ['interval'],
        elements: ['0.0.0.0/0 . 6 . 8080 : 10.0.0.5/32', '203.0.113.0/24 . 17 . 5353 : 10.0.0.6/32'],
      },
      {
        name: 'fwd_port',
        type: FORWARD_KEY,
        map: 'inet_service',
        flags: ['interval'],
        elements: ['0.0.0.0/0 . 6 . 8080 : 80', '203.0.113.0/24 . 17 . 5353 : 53'],
      },
      {
        name: 'keep',
        type: FORWARD_KEY,
        map: 'ipv4_addr',
        flags: ['interval'],
        elements: ['0.0.0.0/0 . 6 . 9000-9010 : 10.0.0.7/32'],
      },
      { name: 'verdicts', type: 'inet_service', map: 'verdict', flags: [], elements: ['22 : drop', '80 : accept'] },
    ],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
        rules: [
          {
            expr: [
              { match: { op: '==', left: { concat: [ip('saddr'), ip('daddr'), l4proto, dport] }, right: '@flows' } },
              { counter: null },
              { drop: null },
            ],
          },
        ],
      },
      {
        name: 'prerouting',
        base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' },
        rules: [
          {
            expr: [
              { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
              { match: { op: '==', left: l4proto, right: { set: [6, 17] } } },
              {
                dnat: {
                  family: 'ip',
                  addr: { map: { key: { concat: [ip('saddr'), l4proto, dport] }, data: '@fwd' } },
                  port: { map: { key: { concat: [ip('saddr'), l4proto, dport] }, data: '@fwd_port' } },
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function describeNftElementContract(name: string, makePort: MakeNftPort): void {
  describe(`NftPort element contract: ${name}`, () => {
    let port: NftPort;
    const signal = (): AbortSignal => new AbortController().signal;
    const table = CONTRACT_TABLES.main;
    const list = (elements = true): ReturnType<NftPort['listTable']> =>
      port.listTable('inet', table, signal(), { elements });
    const setOf = (t: NftTable | undefined, set: string): NftSet | undefined => t?.sets.find((s) => s.name === set);
    const elementsOp = (op: 'addElements' | 'deleteElements', set: string, elements: string[]): NftOp => {
      const ref = setOf(elementsTable(), set) as NftSet;
      return { op, family: 'inet', table, set: { name: ref.name, type: ref.type, map: ref.map }, elements };
    };

    beforeEach(async () => {
      port = await makePort();
      await port.commit([{ op: 'replaceTable', table: elementsTable() }], signal());
    });

    afterEach(async () => {
      if (await list()) await port.commit([{ op: 'deleteTable', family: 'inet', name: table }], signal());
    });

    it('lists concatenated sets and maps exactly as committed', async () => {
      expect((await list())?.table).toEqual(elementsTable());
    });

    it('a terse listing has the same structure with every set empty', async () => {
      const terse = (await list(false))?.table;
      expect(terse?.chains).toEqual(elementsTable().chains);
      expect(terse?.sets).toEqual(elementsTable().sets.map((s) => ({ ...s, elements: [] })));
    });

    it('adds and deletes elements in one transaction, leaving rules and counters alone', async () => {
      await port.commit(
        [
          elementsOp('deleteElements', 'flows', ['11.0.0.0/16 . 0.0.0.0/0 . 0-255 . 0-65535']),
          elementsOp('addElements', 'flows', ['10.1.2.0/24 . 0.0.0.0/0 . 1 . 0-65535']),
          elementsOp('addElements', 'fwd', ['0.0.0.0/0 . 6 . 2222 : 10.0.0.9/32']),
        ],
        signal(),
      );
      const listed = await list();
      expect(setOf(listed?.table, 'flows')?.elements).toEqual([
        '10.0.0.0/8 . 192.168.1.1/32 . 6 . 80-90',
        '10.1.2.0/24 . 0.0.0.0/0 . 1 . 0-65535',
      ]);
      expect(setOf(listed?.table, 'fwd')?.elements).toEqual([
        '0.0.0.0/0 . 6 . 2222 : 10.0.0.9/32',
        '0.0.0.0/0 . 6 . 8080 : 10.0.0.5/32',
        '203.0.113.0/24 . 17 . 5353 : 10.0.0.6/32',
      ]);
      expect(listed?.table.chains).toEqual(elementsTable().chains);
      expect(listed?.counters).toHaveLength(1);
    });

    it('refuses an element overlapping another of an interval set, and nothing of the transaction happens', async () => {
      const ops = [
        elementsOp('addElements', 'keep', ['0.0.0.0/0 . 6 . 7000 : 10.0.0.8/32']),
        elementsOp('addElements', 'flows', ['10.1.0.0/16 . 192.168.1.1/32 . 6 . 85']),
      ];
      await expect(port.commit(ops, signal())).rejects.toThrow();
      expect((await list())?.table).toEqual(elementsTable());
    });

    it('refuses to delete an element that is not there', async () => {
      await expect(port.commit([elementsOp('deleteElements', 'verdicts', ['443 : drop'])], signal())).rejects.toThrow();
      expect((await list())?.table).toEqual(elementsTable());
    });
  });
}
