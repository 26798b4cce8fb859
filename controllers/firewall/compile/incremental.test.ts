// Incremental compiles against from-scratch ones: the memory is a cache, never a different answer.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import type { PortRange } from '../../../policy/ports.js';
import { planTableChange, structureOf } from '../../../renderers/nft/delta.js';
import { canonicalCidr, ipv4ToNumber, numberToIpv4 } from '../../../runtime/net/cidr.js';
import { dropOverlapping } from '../../../testing/arbitraries.js';
import { planFirewall } from '../plan.js';
import type { CompiledFirewall, FirewallAction, FirewallDesired, PolicyRule } from '../types.js';
import { compileFirewall } from './compile.js';
import { expand } from './groups.js';
import { IncrementalCompiler, patch } from './incremental.js';

const BASE = ipv4ToNumber('10.0.0.0');

// Few addresses and ports, so rules overlap, nest and duplicate each other often.
const cidr = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.nat(31), fc.integer({ min: 27, max: 32 }))
      .map(([offset, len]) => canonicalCidr(`${numberToIpv4(BASE + offset)}/${len}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8') },
);
const cidrs = fc.array(cidr, { maxLength: 2 }).map(dropOverlapping);
const port: fc.Arbitrary<PortRange> = fc
  .tuple(fc.nat(20), fc.nat(4))
  .map(([first, width]) => ({ first, last: first + width }));

type Content = Omit<PolicyRule, 'id'>;

const content: fc.Arbitrary<Content> = fc
  .record({
    action: fc.constantFrom<FirewallAction>('allow', 'deny', 'reject'),
    sources: cidrs,
    destinations: cidrs,
    protocol: fc.constantFrom<PolicyRule['protocol']>('tcp', 'udp', 'icmp', 'any'),
    ports: fc.option(port, { nil: undefined }),
  })
  .map(({ ports, ...r }) => ({ ...r, ports: ports && (r.protocol === 'tcp' || r.protocol === 'udp') ? [ports] : [] }));

type Edit =
  | { kind: 'insert'; at: number; rule: Content }
  | { kind: 'delete'; at: number }
  | { kind: 'modify'; at: number; rule: Content }
  | { kind: 'move'; at: number; to: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), rule: content }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('modify' as const), at: fc.nat(), rule: content }) },
  fc.record({ kind: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
);

function applyEdit(list: readonly Content[], e: Edit): Content[] {
  const out = [...list];
  const at = out.length === 0 ? 0 : e.at % out.length;
  if (e.kind === 'insert') out.splice(e.at % (out.length + 1), 0, e.rule);
  else if (out.length === 0) return out;
  else if (e.kind === 'delete') out.splice(at, 1);
  else if (e.kind === 'modify') out[at] = e.rule;
  else out.splice(e.to % out.length, 0, ...out.splice(at, 1));
  return out;
}

/** Ids by position, as decode gives them: an insert renames every rule after it. */
function desired(list: readonly Content[], input?: readonly Content[]): FirewallDesired {
  const chain = (rules: readonly Content[], prefix: string): PolicyRule[] =>
    rules.map((r, i) => ({ ...r, id: `${prefix}[${i}]` }));
  const forward = { rules: chain(list, 'web/rules'), defaultAction: 'allow' as const };
  return input ? { forward, input: { rules: chain(input, 'web/input.rules'), defaultAction: 'deny' } } : { forward };
}

/**
 * Element updates alone exactly when the table's structure (sets, chains) stayed the same; and the plan, which skips
 * sets listed alike on both sides, is the plain table delta.
 */
function expectPlanShape(previous: CompiledFirewall, next: CompiledFirewall): void {
  const plan = planFirewall(next, { table: { table: previous.table, counters: [] } });
  expect(plan).toEqual(planTableChange(next.table, previous.table));
  const sameStructure = isDeepStrictEqual(structureOf(previous.table), structureOf(next.table));
  expect(plan.every((c) => c.op === 'updateElements')).toBe(sameStructure);
}

describe('IncrementalCompiler', () => {
  it('compiles every policy of a random sequence of edits exactly as compileFirewall does', () => {
    fc.assert(
      fc.property(
        fc.array(content, { maxLength: 60 }),
        fc.array(content, { maxLength: 10 }),
        fc.array(fc.tuple(fc.boolean(), edit), { minLength: 1, maxLength: 15 }),
        (forward, input, edits) => {
          const compiler = new IncrementalCompiler();
          let lists = { forward, input };
          let previous = compiler.compile(desired(lists.forward, lists.input));
          expect(previous).toStrictEqual(compileFirewall(desired(lists.forward, lists.input)));
          for (const [onInput, e] of edits) {
            lists = onInput
              ? { ...lists, input: applyEdit(lists.input, e) }
              : { ...lists, forward: applyEdit(lists.forward, e) };
            const next = compiler.compile(desired(lists.forward, lists.input));
            expect(next).toStrictEqual(compileFirewall(desired(lists.forward, lists.input)));
            expectPlanShape(previous, next);
            previous = next;
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('patches the overlaps an edit changes to exactly what expanding the edited list finds', () => {
    fc.assert(
      fc.property(fc.array(content, { minLength: 1, maxLength: 80 }), edit, (list, e) => {
        const before = desired(list).forward.rules;
        const after = desired(applyEdit(list, e)).forward.rules;
        const patched = patch(expand(before), after);
        // One edit of a small list is always within the patch budget.
        expect(patched).toBeDefined();
        expect(patched).toEqual(expand(after));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps exact answers on a list whose largest layer is split over several sets', () => {
    // 3,000 disjoint single-address rules of one action: one layer of 3,000 elements, four shards.
    const rule = (i: number, port = 22): Content => ({
      action: 'deny',
      sources: [`${numberToIpv4(BASE + i)}/32`],
      destinations: [],
      protocol: 'tcp',
      ports: [{ first: port, last: port }],
    });
    let list = Array.from({ length: 3000 }, (_, i) => rule(i));
    const compiler = new IncrementalCompiler();
    let previous = compiler.compile(desired(list));
    expect(previous.groups).toEqual([expect.objectContaining({ set: 'f0', shards: 4 })]);
    const edits: Edit[] = [
      { kind: 'modify', at: 1500, rule: rule(1500, 23) },
      { kind: 'insert', at: 10, rule: rule(5000) },
      { kind: 'delete', at: 2999 },
      { kind: 'move', at: 0, to: 2000 },
      { kind: 'modify', at: 7, rule: { ...rule(7), action: 'allow' } },
    ];
    for (const e of edits) {
      list = applyEdit(list, e);
      const next = compiler.compile(desired(list));
      expect(next).toStrictEqual(compileFirewall(desired(list)));
      expectPlanShape(previous, next);
      previous = next;
    }
  });

  it('hands out element lists no later compile shares', () => {
    const list: Content[] = [
      { action: 'deny', sources: ['10.0.0.0/24'], destinations: [], protocol: 'any', ports: [] },
    ];
    const compiler = new IncrementalCompiler();
    const first = compiler.compile(desired(list));
    first.table.sets[0]?.elements.push('mutated');
    expect(compiler.compile(desired([...list])).table).toStrictEqual(compileFirewall(desired(list)).table);
  });
});
