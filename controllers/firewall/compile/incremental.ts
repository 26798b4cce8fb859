import { sortElements } from '../../../renderers/nft/elements.js';
import type { CompiledFirewall, FirewallChainName, FirewallDesired, PolicyRule } from '../types.js';
import { boxesOverlap, type Box } from './box.js';
import { assembleFirewall } from './assemble.js';
import { expand, KEY_STRIDE, NO_OVERLAPS, placeRules, ruleWork, type Expanded, type RuleWork } from './groups.js';

/**
 * Above this many element pairs to check (changed elements × all elements) a patch costs about what the box index
 * does, and the compile starts from scratch. Either way the answer is the same.
 */
const MAX_PATCH_PAIRS = 2_000_000;

interface SetMemory {
  /** The set's elements in policy order, as the compile handed them to render. */
  input: readonly string[];
  output: readonly string[];
}

/**
 * compileFirewall with a memory of its last answer, for a controller that compiles one policy after another. The
 * costly parts of a compile are per rule (expanding boxes and element strings, finding the earlier elements each
 * overlaps) and per set (sorting): for rules and sets an edit left alone they are reused, the changed rules are
 * expanded again and checked against every element, and the placement pass, which is cheap given the overlaps,
 * always runs in full. So the result is exactly compileFirewall's, which the property tests check.
 */
export class IncrementalCompiler {
  private chains = new Map<FirewallChainName, Expanded>();
  private sets = new Map<string, SetMemory>();

  compile(desired: FirewallDesired): CompiledFirewall {
    const chains = new Map<FirewallChainName, Expanded>();
    const sets = new Map<string, SetMemory>();
    const compiled = assembleFirewall(
      desired,
      (chain, policy) => {
        const previous = this.chains.get(chain);
        const expanded = (previous && patch(previous, policy.rules)) ?? expand(policy.rules);
        chains.set(chain, expanded);
        return placeRules(expanded);
      },
      (set, elements) => {
        const previous = this.sets.get(set);
        const output = previous && sameList(previous.input, elements) ? previous.output : sortElements(elements);
        sets.set(set, { input: elements, output });
        return [...output];
      },
    );
    this.chains = chains;
    this.sets = sets;
    return compiled;
  }
}

/**
 * The previous expansion updated to `rules`: the rules between the longest unchanged head and tail are expanded
 * again, and keys of the tail's elements move by the change in length. undefined when the change is too large.
 */
export function patch(previous: Expanded, rules: readonly PolicyRule[]): Expanded | undefined {
  const n = previous.rules.length;
  const m = rules.length;
  let head = 0;
  while (head < n && head < m && sameContent(previous.rules[head] as PolicyRule, rules[head] as PolicyRule)) head++;
  let tail = 0;
  while (
    tail < n - head &&
    tail < m - head &&
    sameContent(previous.rules[n - 1 - tail] as PolicyRule, rules[m - 1 - tail] as PolicyRule)
  )
    tail++;
  const shift = m - n;
  const tailStart = m - tail;
  // Plain loops, not slices and spreads: this runs over every rule of the policy on every edit.
  const work: RuleWork[] = new Array<RuleWork>(m);
  const earlier: (readonly number[])[][] = new Array<(readonly number[])[]>(m);
  let changedElements = 0;
  let allElements = 0;
  for (let r = 0; r < m; r++) {
    if (r < head) {
      work[r] = previous.work[r] as RuleWork;
      earlier[r] = previous.earlier[r] as (readonly number[])[];
    } else if (r >= tailStart) {
      work[r] = previous.work[r - shift] as RuleWork;
      earlier[r] = rekeyRule(previous.earlier[r - shift] as (readonly number[])[], head, n - tail, shift);
    } else {
      const w = ruleWork(rules[r] as PolicyRule);
      work[r] = w;
      earlier[r] = w.boxes.map(() => []);
      changedElements += w.boxes.length;
    }
    allElements += (work[r] as RuleWork).boxes.length;
  }
  if (changedElements * allElements > MAX_PATCH_PAIRS) return undefined;
  for (let r = head; r < tailStart; r++) findOverlaps(work, earlier, r, tailStart);
  return { rules, work, earlier };
}

/** rekey of each element of a tail rule; the same array when no key moves (appendTo copies before writing). */
function rekeyRule(
  lists: readonly (readonly number[])[],
  head: number,
  tailStart: number,
  shift: number,
): (readonly number[])[] {
  let out: (readonly number[])[] | undefined;
  lists.forEach((keys, i) => {
    const moved = rekey(keys, head, tailStart, shift);
    if (moved !== keys) (out ??= [...lists])[i] = moved;
  });
  return out ?? (lists as (readonly number[])[]);
}

/** A tail element's earlier keys after the edit: keys of removed rules go, keys of the tail shift; still ascending. */
function rekey(keys: readonly number[], head: number, tailStart: number, shift: number): readonly number[] {
  // Ascending: a list whose last key is in the head has nothing to move.
  const last = keys[keys.length - 1];
  if (last === undefined || last < head * KEY_STRIDE) return keys;
  if (shift === 0 && keys.every((key) => key < head * KEY_STRIDE || key >= tailStart * KEY_STRIDE)) return keys;
  const out: number[] = [];
  for (const key of keys) {
    const rule = Math.floor(key / KEY_STRIDE);
    if (rule < head) out.push(key);
    else if (rule >= tailStart) out.push(key + shift * KEY_STRIDE);
  }
  return out.length === 0 ? NO_OVERLAPS : out;
}

/**
 * Every element of changed rule r against every element of the policy: earlier ones (earlier rules, earlier in r)
 * go into its own lists; it goes into the lists of the tail's elements (rules from tailStart) that it overlaps.
 */
function findOverlaps(work: readonly RuleWork[], earlier: (readonly number[])[][], r: number, tailStart: number): void {
  const own = earlier[r] as number[][];
  const boxes = (work[r] as RuleWork).boxes;
  for (let offset = 0; offset < boxes.length; offset++) {
    const box = boxes[offset] as Box;
    for (let j = 0; j < work.length; j++) {
      if (j > r && j < tailStart) continue;
      // Earlier rules, and the elements before this one in its own rule.
      const others = (work[j] as RuleWork).boxes;
      const found = overlapping(box, others, j === r ? offset : others.length);
      if (j <= r) (own[offset] as number[]).push(...found.map((o) => j * KEY_STRIDE + o));
      else found.forEach((o) => appendTo(earlier, j, o, r * KEY_STRIDE + offset));
    }
  }
}

/** Offsets below `end` of the boxes that overlap `box` (usually none: no array then). */
function overlapping(box: Box, boxes: readonly Box[], end: number): readonly number[] {
  let found: number[] | undefined;
  for (let o = 0; o < end; o++) if (boxesOverlap(box, boxes[o] as Box)) (found ??= []).push(o);
  return found ?? NO_OVERLAPS;
}

/** Inserts a changed rule's key in ascending place: after the head's keys, before the tail's. */
function appendTo(earlier: (readonly number[])[][], rule: number, offset: number, key: number): void {
  // Copy on write: the rule's lists may still be the previous compile's.
  const lists = [...(earlier[rule] as (readonly number[])[])];
  earlier[rule] = lists;
  const keys = [...(lists[offset] ?? NO_OVERLAPS)];
  let at = keys.length;
  while (at > 0 && (keys[at - 1] as number) > key) at--;
  keys.splice(at, 0, key);
  lists[offset] = keys;
}

function sameContent(a: PolicyRule, b: PolicyRule): boolean {
  return (
    a === b ||
    (a.action === b.action &&
      a.protocol === b.protocol &&
      sameList(a.sources, b.sources) &&
      sameList(a.destinations, b.destinations) &&
      a.ports.length === b.ports.length &&
      a.ports.every((p, i) => p.first === b.ports[i]?.first && p.last === b.ports[i]?.last))
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
