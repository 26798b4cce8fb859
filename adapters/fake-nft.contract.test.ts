import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../runtime/controller.js';
import { FakeNft } from '../testing/fake-nft.js';
import { contractTable, CONTRACT_TABLES, describeNftPortContract } from '../testing/nft-port-contract.js';
import { chainsTable, describeNftChainContract } from '../testing/nft-port-contract-chains.js';
import { describeNftElementContract } from '../testing/nft-port-contract-elements.js';

describeNftPortContract('FakeNft', () => new FakeNft());

// What only the fake offers: injected failures, counters and drift, which unit tests of controllers rely on.
describe('FakeNft test controls', () => {
  const signal = new AbortController().signal;
  const main = CONTRACT_TABLES.main;

  it('failNextCommit fails exactly one commit with ApplyFailed and changes nothing', async () => {
    const nft = new FakeNft();
    nft.failNextCommit('netlink: Operation not permitted');
    const err = await nft.commit([{ op: 'replaceTable', table: contractTable() }], signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerError);
    expect(err).toMatchObject({ reason: 'ApplyFailed', message: 'netlink: Operation not permitted' });
    expect(nft.tableKeys()).toEqual([]);
    expect(nft.transactions).toEqual([]);
    expect(nft.rejected).toHaveLength(1);
    await nft.commit([{ op: 'replaceTable', table: contractTable() }], signal);
    expect(nft.tableKeys()).toEqual([`inet ${main}`]);
    expect(nft.transactions).toHaveLength(1);
  });

  it('deleting a missing table throws ApplyFailed', async () => {
    const nft = new FakeNft();
    await expect(nft.commit([{ op: 'deleteTable', family: 'ip', name: 'nope' }], signal)).rejects.toMatchObject({
      reason: 'ApplyFailed',
    });
  });

  it('reports counters set by the test and resets them when the table is replaced', async () => {
    const nft = new FakeNft([contractTable()]);
    nft.setCounter('inet', main, { chain: 'forward', index: 2 }, { packets: 7, bytes: 700 });
    expect((await nft.listTable('inet', main, signal))?.counters[1]).toEqual({
      chain: 'forward',
      index: 2,
      packets: 7,
      bytes: 700,
    });
    expect(() => nft.setCounter('inet', main, { chain: 'forward', index: 1 }, { packets: 1, bytes: 1 })).toThrow(
      /no counter rule/,
    );
    await nft.commit([{ op: 'replaceTable', table: contractTable() }], signal);
    expect((await nft.listTable('inet', main, signal))?.counters[1]).toMatchObject({ packets: 0, bytes: 0 });
  });

  it('chain operations reset the counters of the chains they name and keep every other one', async () => {
    const nft = new FakeNft([chainsTable()]);
    const counted = { packets: 3, bytes: 300 };
    for (const chain of ['tgt-a', 'tgt-b']) nft.setCounter('inet', main, { chain, index: 0 }, counted);
    const ref = { family: 'inet', table: main } as const;
    const rewritten = { name: 'tgt-b', rules: [{ expr: [{ counter: null }, { accept: null }] }] };
    await nft.commit([{ op: 'replaceChain', ...ref, chain: rewritten }], signal);
    const counters = async (): Promise<unknown> =>
      (await nft.listTable('inet', main, signal))?.counters.map((c) => [c.chain, c.packets]);
    expect(await counters()).toEqual([
      ['tgt-a', 3],
      ['tgt-b', 0],
    ]);
    nft.setCounter('inet', main, { chain: 'tgt-b', index: 0 }, counted);
    const svc = { name: 'svc', rules: [{ expr: [{ goto: { target: 'tgt-b' } }] }] };
    await nft.commit(
      [
        { op: 'replaceChain', ...ref, chain: svc },
        { op: 'deleteChains', ...ref, names: ['tgt-a'] },
        { op: 'addChain', ...ref, chain: { ...rewritten, name: 'tgt-a' } },
      ],
      signal,
    );
    expect(await counters()).toEqual([
      ['tgt-b', 3],
      ['tgt-a', 0],
    ]);
  });

  it('returns copies: editing a listing does not change the fake', async () => {
    const nft = new FakeNft([contractTable()]);
    const listed = await nft.listTable('inet', main, signal);
    listed?.table.sets.splice(0);
    expect(nft.table('inet', main)).toEqual(contractTable());
  });

  it('simulates drift: out-of-band delete and edits', () => {
    const nft = new FakeNft([contractTable()]);
    nft.mutate('inet', main, (t) => void t.sets[0]?.elements.push('8.8.8.8/32'));
    expect(nft.table('inet', main)?.sets[0]?.elements).toContain('8.8.8.8/32');
    nft.deleteTableOutOfBand('inet', main);
    expect(nft.table('inet', main)).toBeUndefined();
    expect(nft.transactions).toEqual([]);
  });

  it('lists elements sorted and canonical like the kernel, whatever order they were committed in', async () => {
    const table = contractTable();
    table.sets[0] = {
      name: 'sources',
      type: 'ipv4_addr',
      flags: ['interval'],
      elements: ['192.168.1.7/32', '10.0.0.0/16', '172.16.0.1-172.16.0.9'],
    };
    const nft = new FakeNft();
    await nft.commit([{ op: 'replaceTable', table }], signal);
    expect((await nft.listTable('inet', main, signal))?.table).toEqual(contractTable());
  });

  it.each([
    [
      'a prefix in a set without the interval flag',
      { name: 'ports', type: 'ipv4_addr', flags: [], elements: ['10.0.0.0/8'] },
    ],
    ['host bits set', { name: 'ports', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.1/8'] }],
    ['a port out of range', { name: 'ports', type: 'inet_service', flags: [], elements: ['70000'] }],
  ] as const)('refuses %s', async (_why, set) => {
    const table = contractTable();
    table.sets[1] = { ...set, flags: [...set.flags], elements: [...set.elements] };
    await expect(new FakeNft().commit([{ op: 'replaceTable', table }], signal)).rejects.toMatchObject({
      reason: 'ApplyFailed',
    });
  });

  it('honours an aborted signal', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('cancelled'));
    await expect(new FakeNft().listTable('inet', main, ctl.signal)).rejects.toThrow('cancelled');
  });
});

describeNftElementContract('FakeNft', () => new FakeNft());
describeNftChainContract('FakeNft', () => new FakeNft());
