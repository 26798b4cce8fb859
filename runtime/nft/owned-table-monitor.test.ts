import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import type { NftChain, NftOp, NftTable } from '../../renderers/nft/model.js';
import { FakeNft } from '../../testing/fake-nft.js';
import type { NftPort } from '../ports.js';
import { MonitorTracker } from './monitor-tracker.js';
import { OwnedTable } from './owned-table.js';

const signal = new AbortController().signal;
const set = { name: 's', type: 'inet_service' as const };
const OWN_PID = 100;
const chain = (rules: number): NftChain => ({
  name: 'c',
  base: { type: 'filter', hook: 'input', prio: 0, policy: 'accept' },
  rules: Array.from({ length: rules }, (_, i) => ({ comment: `r${i}`, expr: [{ counter: null }, { accept: null }] })),
});
const table = (elements: string[], rules = 1): NftTable => ({
  family: 'inet',
  name: 'csgw_t',
  sets: [{ ...set, flags: [], elements }],
  chains: [chain(rules)],
});

/** FakeNft as seen through `nft monitor`: every commit prints a line and a generation, ours by OWN_PID. */
function harness(initial?: NftTable): {
  nft: FakeNft;
  tracker: MonitorTracker;
  owned: OwnedTable;
  clock: { t: number };
  tamper(edit: (t: NftTable) => void): void;
} {
  const nft = new FakeNft(initial ? [initial] : []);
  const tracker = new MonitorTracker(0);
  const port: NftPort = {
    listTable: (f, n, s, o) => nft.listTable(f, n, s, o),
    check: (ops, s) => nft.check(ops, s),
    async commit(ops, s) {
      tracker.ownCommit(OWN_PID);
      await nft.commit(ops, s);
      tracker.line('add element inet csgw_t s { 1 }');
      tracker.line(`# new generation 9 by process ${OWN_PID} (nft)`);
    },
    watch: (f, n) => tracker.watch(f, n, () => undefined),
  };
  const clock = { t: 0 };
  const owned = new OwnedTable(port, 'inet', 'csgw_t', {
    fullResyncMs: 1000,
    countersMaxAgeMs: 100,
    now: () => clock.t,
  });
  const tamper = (edit: (t: NftTable) => void): void => {
    nft.mutate('inet', 'csgw_t', edit);
    tracker.line('delete element inet csgw_t s { 22 }');
    tracker.line('# new generation 10 by process 4242 (nft)');
  };
  return { nft, tracker, owned, clock, tamper };
}

const addPorts = (elements: string[]): NftOp => ({ op: 'addElements', family: 'inet', table: 'csgw_t', set, elements });
const addPort = (port: string): NftOp => addPorts([port]);

describe('OwnedTable with a live nft monitor', () => {
  it('lists once, then reads its own commits from memory until the resync is due', async () => {
    const { nft, tracker, owned, clock } = harness(table(['22']));
    await owned.observe(signal, false);
    tracker.setLive(true);
    await owned.observe(signal, false);
    const listings = nft.calls.listTable;
    await owned.commit([addPort('80')], signal);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['22', '80']));
    await owned.commit([{ op: 'replaceChain', family: 'inet', table: 'csgw_t', chain: chain(2) }], signal);
    expect(await owned.observe(signal, false)).toEqual(await nft.listTable('inet', 'csgw_t', signal));
    expect(nft.calls.listTable - 1).toBe(listings);
    expect(owned.tamperDetection).toBe('nft monitor');
    clock.t = 1000;
    await owned.observe(signal, false);
    expect(nft.calls.listTable - 2).toBe(listings);
  });

  it("lists in full after another process's commit, and says so on changes$", async () => {
    const { nft, tracker, owned, tamper } = harness(table(['22', '80']));
    tracker.setLive(true);
    let told = 0;
    owned.changes$.subscribe(() => (told += 1));
    await owned.observe(signal, false);
    tamper((t) => void t.sets[0]!.elements.shift());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(told).toBe(1);
    expect((await owned.observe(signal, false))?.table).toEqual(table(['80']));
    const listings = nft.calls.listTable;
    await owned.observe(signal, false);
    expect(nft.calls.listTable).toBe(listings);
  });

  it('lists in full after a failed commit, when asked, and after the monitor restarted', async () => {
    const { nft, tracker, owned } = harness(table(['22']));
    tracker.setLive(true);
    await owned.observe(signal, false);
    nft.failNextCommit();
    await expect(owned.commit([addPort('80')], signal)).rejects.toThrow();
    let listings = nft.calls.listTable;
    await owned.observe(signal, false);
    expect(nft.calls.listTable).toBe(++listings);
    await owned.observe(signal, true);
    expect(nft.calls.listTable).toBe(++listings);
    tracker.lost();
    await owned.observe(signal, false);
    expect(nft.calls.listTable).toBe(listings + 1);
    // The monitor going down may have lost events: one full listing, then memory (verified beside the passes).
    tracker.setLive(false);
    expect(owned.tamperDetection).toBe('listing');
    await owned.observe(signal, false);
    await owned.observe(signal, false);
    expect([nft.calls.listTable, nft.calls.terseListTable]).toEqual([listings + 2, 0]);
  });

  it('refreshes old counters with a terse listing beside the pass, and forgets a structure it did not commit', async () => {
    const { nft, tracker, owned, clock } = harness(table(['22']));
    tracker.setLive(true);
    await owned.observe(signal, false);
    nft.setCounter('inet', 'csgw_t', { chain: 'c', index: 0 }, { packets: 7, bytes: 70 });
    clock.t = 100;
    // This read still has the old counters (it does not wait for the listing it starts); the next one has the new.
    expect((await owned.observe(signal, false))?.counters[0]?.packets).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await owned.observe(signal, false))?.counters[0]?.packets).toBe(7);
    expect([nft.calls.listTable, nft.calls.terseListTable]).toEqual([2, 1]);
    // A chain added behind the monitor's back: the structure differs, so the memory goes and a pass is asked for.
    let told = 0;
    owned.changes$.subscribe(() => (told += 1));
    nft.mutate('inet', 'csgw_t', (t) => void t.chains.push({ name: 'extra', rules: [] }));
    clock.t = 200;
    await owned.observe(signal, false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(told).toBe(1);
    expect((await owned.observe(signal, false))?.table.chains.map((c) => c.name)).toEqual(['c', 'extra']);
    expect(nft.calls.listTable - nft.calls.terseListTable).toBe(2);
  });

  it('reads from memory exactly what a full listing shows, after any sequence of its own commits', async () => {
    const port = fc.integer({ min: 1, max: 40 }).map(String);
    const op = fc.oneof(
      fc.array(port, { minLength: 1, maxLength: 4 }).map(addPorts),
      fc
        .array(port, { minLength: 1, maxLength: 4 })
        .map((elements): NftOp => ({ op: 'deleteElements', family: 'inet', table: 'csgw_t', set, elements })),
      fc
        .integer({ min: 0, max: 3 })
        .map((n): NftOp => ({ op: 'replaceChain', family: 'inet', table: 'csgw_t', chain: chain(n) })),
      fc.tuple(fc.array(port, { maxLength: 5 }), fc.integer({ min: 0, max: 3 })).map(([e, n]): NftOp => ({
        op: 'replaceTable',
        table: table(
          [...new Set(e)].sort((a, b) => +a - +b),
          n,
        ),
      })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { maxLength: 8 }), async (txs) => {
        const h = harness(table(['5']));
        h.tracker.setLive(true);
        await h.owned.observe(signal, false);
        for (const ops of txs) await h.owned.commit(ops, signal).catch(() => undefined);
        const listings = h.nft.calls.listTable;
        const fromMemory = await h.owned.observe(signal, false);
        const refused = h.nft.rejected.length > 0;
        expect(h.nft.calls.listTable).toBe(listings + (refused ? 1 : 0));
        expect(fromMemory).toEqual(await h.nft.listTable('inet', 'csgw_t', signal));
      }),
    );
  });
});

describe('OwnedTable with a monitor that is down', () => {
  it('verifies the memory with a full listing beside the passes, and asks for a pass on a difference', async () => {
    const { nft, owned, clock } = harness(table(['22']));
    await owned.observe(signal, false);
    const told = firstValueFrom(owned.changes$);
    // The tamper goes unreported (no monitor); the verification finds it once its interval has passed.
    nft.mutate('inet', 'csgw_t', (t) => void t.sets[0]?.elements.splice(0));
    clock.t = 2_000;
    await told;
    expect((await owned.observe(signal, false))?.table).toEqual(table([]));
    owned.close();
  }, 5_000);
});
