import { describe, expect, it } from '@jest/globals';
import type { NftTable } from '../../renderers/nft/model.js';
import { FakeNft } from '../../testing/fake-nft.js';
import { OwnedTable } from './owned-table.js';

const signal = new AbortController().signal;
const set = { name: 's', type: 'inet_service' as const };
const table = (elements: string[]): NftTable => ({
  family: 'inet',
  name: 'csgw_t',
  sets: [{ ...set, flags: [], elements }],
  chains: [],
});

function harness(initial?: NftTable): { nft: FakeNft; owned: OwnedTable; clock: { t: number } } {
  const nft = new FakeNft(initial ? [initial] : []);
  const clock = { t: 0 };
  return { nft, owned: new OwnedTable(nft, 'inet', 'csgw_t', { fullResyncMs: 1000, now: () => clock.t }), clock };
}

describe('OwnedTable', () => {
  it('without a monitor, reads its own commits from memory after the first full listing', async () => {
    const { nft, owned } = harness(table(['22']));
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22']));
    await owned.commit([{ op: 'addElements', family: 'inet', table: 'csgw_t', set, elements: ['80'] }], signal);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22', '80']));
    await owned.commit([{ op: 'deleteElements', family: 'inet', table: 'csgw_t', set, elements: ['22'] }], signal);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['80']));
    expect([nft.calls.listTable, nft.calls.terseListTable]).toEqual([1, 0]);
    owned.close();
  });

  it('a verification beside the passes keeps the memory when the kernel agrees, and forgets it when not', async () => {
    const { nft, owned } = harness(table(['22']));
    const told: string[] = [];
    owned.changes$.subscribe(() => told.push('changed'));
    await owned.observe(signal, false);
    await owned.verifyNow();
    expect(told).toEqual([]);
    nft.mutate('inet', 'csgw_t', (t) => void t.sets[0]?.elements.splice(0));
    await owned.verifyNow();
    expect(told).toEqual(['changed']);
    // The memory is gone: the next read lists, and sees the drift the plan repairs.
    expect((await owned.observe(signal, false))?.table).toEqual(table([]));
    owned.close();
  });

  it('a verification that overlapped a commit proves nothing', async () => {
    const { nft, owned } = harness(table(['22']));
    const told: string[] = [];
    owned.changes$.subscribe(() => told.push('changed'));
    await owned.observe(signal, false);
    const verifying = owned.verifyNow();
    await owned.commit([{ op: 'addElements', family: 'inet', table: 'csgw_t', set, elements: ['80'] }], signal);
    await verifying;
    expect(told).toEqual([]);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22', '80']));
    expect(nft.calls.listTable).toBe(2);
    owned.close();
  });

  it('lists in full when asked, after fullResyncMs, and after a failed commit', async () => {
    const { nft, owned, clock } = harness(table(['22']));
    await owned.observe(signal, false);
    // An out-of-band edit is invisible to cached reads...
    nft.mutate('inet', 'csgw_t', (t) => void t.sets[0]?.elements.push('443'));
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22']));
    // ...until a full read: on request, or when the last one is old enough.
    expect((await owned.observe(signal, true))?.table).toEqual(table(['22', '443']));
    nft.mutate('inet', 'csgw_t', (t) => void t.sets[0]?.elements.push('8080'));
    clock.t = 1000;
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22', '443', '8080']));
    nft.failNextCommit();
    await expect(owned.commit([{ op: 'replaceTable', table: table([]) }], signal)).rejects.toThrow();
    nft.mutate('inet', 'csgw_t', (t) => void t.sets[0]?.elements.push('9000'));
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22', '443', '8080', '9000']));
  });

  it('follows replace and delete of its own table', async () => {
    const { owned } = harness();
    expect(await owned.observe(signal, false)).toBeUndefined();
    await owned.commit([{ op: 'replaceTable', table: table(['53']) }], signal);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['53']));
    await owned.commit([{ op: 'deleteTable', family: 'inet', name: 'csgw_t' }], signal);
    expect(await owned.observe(signal, false)).toBeUndefined();
  });
});
