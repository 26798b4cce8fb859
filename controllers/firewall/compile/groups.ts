import type { FirewallAction, PolicyRule } from '../types.js';
import { boxContains, boxElement, ruleBoxes, type Box } from './box.js';
import { BoxIndex } from './box-index.js';
import { elementHash } from './shards.js';

/**
 * An element is named by its rule and its place in the rule, rule * KEY_STRIDE + offset: a key that survives edits
 * of other rules (incremental.ts), unlike a position in the flat element list. Far above MAX_ELEMENTS_PER_RULE.
 */
export const KEY_STRIDE = 2 ** 20;

/** What a rule compiles to on its own: a function of its content, never of its place or id. */
export interface RuleWork {
  boxes: Box[];
  /** The canonical element string of each box. */
  elements: string[];
  /** elementHash of each element: which shard it goes to. */
  hashes: number[];
}

/**
 * Everything placement reads: per rule its work, and per element the keys of the earlier elements (earlier rules, or
 * earlier in the same rule) it overlaps, ascending. Computing the overlaps is the costly part of a compile.
 */
export interface Expanded {
  rules: readonly PolicyRule[];
  work: RuleWork[];
  earlier: (readonly number[])[][];
}

/** One set of a group: its elements are pairwise disjoint, as the kernel requires of a concatenated interval set. */
export interface Layer {
  /** Rules with at least one element here, in policy order. */
  ruleIds: string[];
  /** The canonical strings of the layer's boxes, in policy order, and their hashes. */
  elements: string[];
  hashes: number[];
}

/** Consecutive lookups of one action: their order does not matter, a packet gets the action in any of them. */
export interface RuleGroup {
  action: FirewallAction;
  layers: Layer[];
}

/** Placement decided so far: group of each rule, layer of each element (-1 when dropped as redundant). */
interface Placement {
  actions: FirewallAction[];
  groupOf: Int32Array;
  /** Where each rule's elements start in layerOf. */
  start: Int32Array;
  layerOf: Int32Array;
}

export const NO_OVERLAPS: readonly number[] = [];

export function ruleWork(rule: PolicyRule): RuleWork {
  const boxes = ruleBoxes(rule);
  const elements = boxes.map(boxElement);
  return { boxes, elements, hashes: elements.map(elementHash) };
}

/** Expands every rule and finds every overlap through the box index: the from-scratch half of a compile. */
export function expand(rules: readonly PolicyRule[]): Expanded {
  const work = rules.map(ruleWork);
  const boxes: Box[] = [];
  const keyOf: number[] = [];
  work.forEach((w, r) => {
    w.boxes.forEach((box, offset) => {
      boxes.push(box);
      keyOf.push(r * KEY_STRIDE + offset);
    });
  });
  const index = new BoxIndex(boxes);
  // One scratch list for every query: most elements overlap nothing, and an array each is a lot of garbage.
  const found: number[] = [];
  const visit = (o: number): void => void found.push(keyOf[o] as number);
  let flat = 0;
  const earlier = work.map((w) => {
    let lists: (readonly number[])[] | undefined;
    for (let offset = 0; offset < w.boxes.length; offset++) {
      found.length = 0;
      index.forEachEarlierOverlapping(flat++, visit);
      if (found.length === 0) continue;
      lists ??= [...noOverlaps(w.boxes.length)];
      lists[offset] = found.slice().sort(ascending);
    }
    return lists ?? noOverlaps(w.boxes.length);
  });
  return { rules, work, earlier };
}

/**
 * Most rules overlap nothing: they share one list of empty lists per element count instead of an array each (nothing
 * writes to them: incremental.ts copies a rule's lists before changing one).
 */
const shared: (readonly number[])[][] = [];
function noOverlaps(elements: number): (readonly number[])[] {
  return (shared[elements] ??= Array.from({ length: elements }, () => NO_OVERLAPS));
}

export function ascending(a: number, b: number): number {
  return a - b;
}

/**
 * Groups rules into as few set lookups as first-match semantics allow: a rule joins the earliest group of its action
 * after the last group holding an earlier, overlapping rule of another action, or a new group when none fits. Every
 * packet then meets a group of the action of its first-matching rule before any group of another action.
 */
export function groupRules(rules: readonly PolicyRule[]): RuleGroup[] {
  return placeRules(expand(rules));
}

/** The placement pass over known overlaps: linear in rules and overlaps, no index queries. */
export function placeRules({ rules, work, earlier }: Expanded): RuleGroup[] {
  const start = new Int32Array(rules.length + 1);
  work.forEach((w, r) => (start[r + 1] = (start[r] as number) + w.boxes.length));
  const placement: Placement = {
    actions: [],
    groupOf: new Int32Array(rules.length),
    start,
    layerOf: new Int32Array(start[rules.length] as number),
  };
  rules.forEach((rule, r) => {
    const overlaps = earlier[r] ?? [];
    let bound = -1;
    for (const keys of overlaps) {
      for (const key of keys) {
        const other = Math.floor(key / KEY_STRIDE);
        if (rules[other]?.action !== rule.action) bound = Math.max(bound, placement.groupOf[other] as number);
      }
    }
    const group = placeRule(placement, rule.action, bound);
    placement.groupOf[r] = group;
    const boxes = (work[r] as RuleWork).boxes;
    for (let offset = 0; offset < overlaps.length; offset++) {
      const at = layer(placement, work, group, boxes[offset] as Box, overlaps[offset] as readonly number[]);
      placement.layerOf[(start[r] as number) + offset] = at;
    }
  });
  return collect(placement, rules, work);
}

/** `bound` is the last group holding an earlier, overlapping rule of another action, -1 when there is none. */
function placeRule(placement: Placement, action: FirewallAction, bound: number): number {
  const { actions } = placement;
  for (let group = bound + 1; group < actions.length; group++) if (actions[group] === action) return group;
  return actions.push(action) - 1;
}

/**
 * The lowest layer of its group where `box` overlaps no kept element. Within one group containment means redundancy
 * (same action, same place in the chain): the box is dropped (-1) when a kept element contains it (identical
 * duplicates included), and the kept elements it contains are dropped.
 */
function layer(
  placement: Placement,
  work: readonly RuleWork[],
  group: number,
  box: Box,
  earlier: readonly number[],
): number {
  const { layerOf, groupOf, start } = placement;
  if (earlier.length === 0) return 0;
  const taken = new Set<number>();
  for (const key of earlier) {
    const o = Math.floor(key / KEY_STRIDE);
    const offset = key - o * KEY_STRIDE;
    const at = (start[o] as number) + offset;
    if ((layerOf[at] as number) < 0 || groupOf[o] !== group) continue;
    const other = work[o]?.boxes[offset] as Box;
    if (boxContains(other, box)) return -1;
    if (boxContains(box, other)) layerOf[at] = -1;
    else taken.add(layerOf[at] as number);
  }
  let target = 0;
  while (taken.has(target)) target++;
  return target;
}

/** Builds each group's layers from the kept elements, in policy order; layers emptied by drops disappear. */
function collect(placement: Placement, rules: readonly PolicyRule[], work: readonly RuleWork[]): RuleGroup[] {
  const groups: RuleGroup[] = placement.actions.map((action) => ({ action, layers: [] }));
  const { start, layerOf, groupOf } = placement;
  rules.forEach((rule, r) => {
    const group = groups[groupOf[r] as number] as RuleGroup;
    const { elements, hashes } = work[r] as RuleWork;
    for (let offset = 0; offset < elements.length; offset++) {
      const at = layerOf[(start[r] as number) + offset] as number;
      if (at < 0) continue;
      const into = group.layers[at] ?? (group.layers[at] = { ruleIds: [], elements: [], hashes: [] });
      if (into.ruleIds[into.ruleIds.length - 1] !== rule.id) into.ruleIds.push(rule.id);
      into.elements.push(elements[offset] as string);
      into.hashes.push(hashes[offset] as number);
    }
  });
  for (const group of groups) group.layers = group.layers.filter((l) => l !== undefined);
  return groups;
}
