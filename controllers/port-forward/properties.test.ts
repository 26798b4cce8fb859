// The properties the project requires of every controller, checked with the in-memory ports:
// (a) one pass converges: applying the plan and observing again gives an empty plan, from any starting state;
// (b) a plan never touches state the controller does not own.
// Plus the element cache: after any sequence of edits, the cached view and a full listing agree.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { NftTable } from '../../renderers/nft/model.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { FakeSysctlEntry } from '../../testing/fake-sysctl.js';
import {
  decoded,
  pfHarness,
  pfSnapshotArb,
  planNow,
  reconcilePass,
  type PortForwardController,
} from '../../testing/port-forward-fixtures.js';
import type { Forward } from './forwards.js';
import { DNAT_TABLE } from './names.js';
import { compilePortForwards } from './table.js';

/** A table of ours that is not what the spec wants: an older set of forwards, perhaps edited by hand. */
const staleTableArb: fc.Arbitrary<NftTable | undefined> = fc.option(
  fc.tuple(pfSnapshotArb, fc.constantFrom('none', 'dropRule', 'junkChain', 'dropSet')).map(([snapshot, edit]) => {
    const h = pfHarness();
    const { forwards } = decoded(h.controller, snapshot).spec;
    // The compiled table of those forwards, via the controller's own plan.
    const plan = h.controller.plan(
      { name: 'old', generation: 1, spec: { forwards, resources: [], rejected: [] } },
      { ipForward: { value: '1', writable: true } },
    );
    const table = plan[0]?.op === 'replaceTable' ? plan[0].table : undefined;
    if (!table) throw new Error('expected a replaceTable');
    if (edit === 'dropRule') table.chains[0]?.rules.pop();
    if (edit === 'junkChain')
      table.chains.push({ name: 'junk', rules: [{ expr: [{ counter: null }, { accept: null }] }] });
    if (edit === 'dropSet') {
      table.sets.pop();
      table.chains[1]?.rules.pop();
    }
    return table;
  }),
  { nil: undefined },
);

/** ip_forward is never "0 and read-only" here: that host cannot forward (the planner refuses, tested elsewhere). */
const ipForwardArb = fc.constantFrom<FakeSysctlEntry>(
  { value: '0', writable: true },
  { value: '1', writable: true },
  { value: '1', writable: false },
);

const FOREIGN_TABLES: NftTable[] = [
  {
    family: 'inet',
    name: 'csgw_nat',
    sets: [{ name: 'source_cidrs', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/8'] }],
    chains: [
      {
        name: 'postrouting',
        base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
        rules: [{ expr: [{ counter: null }, { masquerade: null }] }],
      },
    ],
  },
  // Same name, other family: still not ours.
  { family: 'ip', name: 'csgw_dnat', sets: [], chains: [{ name: 'prerouting', rules: [] }] },
];

async function pass(controller: PortForwardController, snapshot: KindSnapshot, full: boolean): Promise<void> {
  await reconcilePass(controller, decoded(controller, snapshot), full);
}

describe('PortForward properties', () => {
  it('(a) applying the plan from any starting state, then observing, gives an empty plan', async () => {
    await fc.assert(
      fc.asyncProperty(pfSnapshotArb, staleTableArb, ipForwardArb, async (snapshot, table, ipForward) => {
        const h = pfHarness({ tables: table ? [table] : [], ipForward });
        const desired = decoded(h.controller, snapshot);
        await reconcilePass(h.controller, desired, true);
        const committed = h.nft.transactions.length;
        expect(await planNow(h.controller, desired, true)).toEqual([]);
        expect(await planNow(h.controller, desired, false)).toEqual([]);
        expect(h.nft.transactions).toHaveLength(committed);
      }),
      { numRuns: 150 },
    );
  });

  it("(b) a plan never touches tables the controller does not own, nor any sysctl (ip_forward is SourceNat's)", async () => {
    await fc.assert(
      fc.asyncProperty(pfSnapshotArb, staleTableArb, ipForwardArb, async (snapshot, table, ipForward) => {
        const h = pfHarness({ tables: [...FOREIGN_TABLES, ...(table ? [table] : [])], ipForward });
        h.sysctl.set('net.ipv4.conf.all.rp_filter', '1');
        h.nft.setCounter('inet', 'csgw_nat', { chain: 'postrouting', index: 0 }, { packets: 9, bytes: 900 });
        const before = await h.nft.listTable('inet', 'csgw_nat', new AbortController().signal);
        await pass(h.controller, snapshot, true);
        const ops = h.nft.transactions.flat();
        for (const op of ops) {
          const touched =
            op.op === 'replaceTable' ? op.table : op.op === 'deleteTable' ? op : { ...op, name: op.table };
          expect(`${touched.family} ${touched.name}`).toBe(`${DNAT_TABLE.family} ${DNAT_TABLE.name}`);
        }
        expect(await h.nft.listTable('inet', 'csgw_nat', new AbortController().signal)).toEqual(before);
        expect(h.nft.table('ip', 'csgw_dnat')).toEqual(FOREIGN_TABLES[1]);
        expect(h.sysctl.writes).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('after any sequence of edits with incremental observes, a full listing agrees with the cache', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pfSnapshotArb, { minLength: 2, maxLength: 6 }), async (snapshots) => {
        const h = pfHarness();
        await pass(h.controller, snapshots[0] ?? { kind: 'PortForward', resources: [] }, true);
        for (const snapshot of snapshots.slice(1)) {
          const desired = decoded(h.controller, snapshot);
          await reconcilePass(h.controller, desired, false);
          expect(await planNow(h.controller, desired, true)).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('random edits applied as element deltas leave exactly the table compilePortForwards gives for the final spec', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pfSnapshotArb, { minLength: 2, maxLength: 8 }), async (snapshots) => {
        const h = pfHarness();
        let forwards: Forward[] = [];
        for (const snapshot of snapshots) {
          const desired = decoded(h.controller, snapshot);
          // Nothing admitted deletes the table (tested above); the next pass would then rebuild it.
          if (desired.name === undefined) continue;
          const existed = h.nft.table(DNAT_TABLE.family, DNAT_TABLE.name) !== undefined;
          const plan = await reconcilePass(h.controller, desired, false);
          if (existed) expect(plan.filter((a) => a.op !== 'updateElements')).toEqual([]);
          forwards = desired.spec.forwards;
        }
        const table = h.nft.table(DNAT_TABLE.family, DNAT_TABLE.name);
        if (table) expect(table).toEqual(compilePortForwards(forwards).table);
      }),
      { numRuns: 150 },
    );
  });
});
