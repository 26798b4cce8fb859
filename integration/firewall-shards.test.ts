// A policy whose largest layer is split over several sets, against the real nft: it loads and lists back as
// compiled, edits through the controller (incremental compile) are element updates of one shard, and a random
// sequence of edits leaves exactly the table a fresh controller builds for the final spec. Under `unshare --net`.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createFirewallController } from '../controllers/firewall/index.js';
import type { FirewallAction } from '../controllers/firewall/plan.js';
import { allowRules, fwSnapshot, reconcilePass, replan, signal } from '../testing/firewall-fixtures.js';

const nft = createNftAdapter(createExecRunner());
const TABLE = ['inet', 'csgw_filter'] as const;
/** 2,500 disjoint allow rules: one layer of 2,500 elements, four shards. */
const BASE = allowRules(2500);

/** A resource holds at most 1,000 rules: the list goes in resources of 1,000, evaluated in name order. */
function snapshot(rules: Record<string, unknown>[]): ReturnType<typeof fwSnapshot> {
  const chunks = Array.from({ length: Math.ceil(rules.length / 1000) }, (_, i) =>
    rules.slice(i * 1000, i * 1000 + 1000),
  );
  return fwSnapshot(...chunks.map((chunk, i) => ({ name: `big${i}`, spec: { rules: chunk } })));
}

function decode(controller: ReturnType<typeof createFirewallController>, rules: Record<string, unknown>[]) {
  const result = controller.decode(snapshot(rules));
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.desired;
}

const edited = (actions: FirewallAction[]): string[] =>
  actions.flatMap((a) => (a.op === 'updateElements' ? [`${a.set.name}+${a.add.length}-${a.remove.length}`] : [a.op]));

describe('FirewallPolicy with sharded sets against the real nft', () => {
  it('loads every shard, and one edited rule is an element update of the shards holding it', async () => {
    const controller = createFirewallController({ ports: { nft } });
    const desired = decode(controller, BASE);
    expect(await reconcilePass(controller, desired)).toEqual([expect.objectContaining({ op: 'replaceTable' })]);
    const listed = await nft.listTable(...TABLE, signal());
    expect(listed?.table.sets.map((s) => s.name)).toEqual(['f0s0', 'f0s1', 'f0s2', 'f0s3']);
    expect(await replan(controller, desired)).toEqual([]);

    const rules = BASE.map((r, i) => (i === 1234 ? { ...r, destinationPorts: [8443] } : r));
    const next = decode(controller, rules);
    const actions = await reconcilePass(controller, next, false);
    expect(actions.every((a) => a.op === 'updateElements')).toBe(true);
    expect(edited(actions).join(' ')).toMatch(/^f0s\d\+0-1 f0s\d\+1-0$|^f0s\d\+1-1$|^f0s\d\+1-0 f0s\d\+0-1$/);
    expect(await replan(controller, next)).toEqual([]);
    await nft.commit([{ op: 'deleteTable', family: TABLE[0], name: TABLE[1] }], signal());
  }, 60_000);

  it('leaves after random edits exactly the table a fresh controller loads for the final spec', async () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('port' as const), at: fc.nat(2499), port: fc.integer({ min: 1, max: 9000 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(2499) }),
      fc.record({ kind: fc.constant('deny' as const), at: fc.nat(2499) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), async (edits) => {
        const controller = createFirewallController({ ports: { nft } });
        let rules = BASE;
        await reconcilePass(controller, decode(controller, rules));
        for (const e of edits) {
          const at = e.at % rules.length;
          if (e.kind === 'delete') rules = rules.toSpliced(at, 1);
          else if (e.kind === 'port')
            rules = rules.map((r, i) => (i === at ? { ...r, destinationPorts: [e.port] } : r));
          else rules = rules.map((r, i) => (i === at ? { ...r, action: 'deny' } : r));
          await reconcilePass(controller, decode(controller, rules), false);
        }
        const incremental = await nft.listTable(...TABLE, signal());
        await nft.commit([{ op: 'deleteTable', family: TABLE[0], name: TABLE[1] }], signal());
        const fresh = createFirewallController({ ports: { nft } });
        await reconcilePass(fresh, decode(fresh, rules));
        const full = await nft.listTable(...TABLE, signal());
        expect(incremental?.table).toEqual(full?.table);
        await nft.commit([{ op: 'deleteTable', family: TABLE[0], name: TABLE[1] }], signal());
      }),
      { numRuns: 8 },
    );
  }, 180_000);
});
