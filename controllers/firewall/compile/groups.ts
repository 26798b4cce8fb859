import type { FirewallAction, PolicyRule } from '../types.js';
import { boxContains, ruleBoxes, type Box } from './box.js';
import { BoxIndex } from './box-index.js';

/** One set of a group: its elements are pairwise disjoint, as the kernel requires of a concatenated interval set. */
export interface Layer {
  /** Rules with at least one element here, in policy order. */
  ruleIds: string[];
  boxes: Box[];
}

/** Consecutive lookups of one action: their order does not matter, a packet gets the action in any of them. */
export interface RuleGroup {
  action: FirewallAction;
  layers: Layer[];
}

/** Every element of the rule list, in policy order, with the rule it came from. */
interface Elements {
  boxes: Box[];
  ruleOf: number[];
  ruleIds: string[];
  /** [first, end) of each rule's elements in `boxes`. */
  spans: [number, number][];
}

/** Placement decided so far: group of each rule, layer of each element (-1 when dropped as redundant). */
interface Placement {
  actions: FirewallAction[];
  groupOf: number[];
  layerOf: number[];
}

/**
 * Groups rules into as few set lookups as first-match semantics allow: a rule joins the earliest group of its action
 * after the last group holding an earlier, overlapping rule of another action, or a new group when none fits. Every
 * packet then meets a group of the action of its first-matching rule before any group of another action.
 */
export function groupRules(rules: readonly PolicyRule[]): RuleGroup[] {
  const elements = expand(rules);
  const index = new BoxIndex(elements.boxes);
  const placement: Placement = { actions: [], groupOf: [], layerOf: [] };
  rules.forEach((rule, r) => {
    const [first, end] = elements.spans[r] ?? [0, 0];
    // The earlier elements each element overlaps, flat, with where each element's run starts: most elements
    // overlap nothing, so no array per element.
    const overlaps: number[] = [];
    const runs: number[] = [];
    let bound = -1;
    for (let e = first; e < end; e++) {
      runs.push(overlaps.length);
      index.forEachEarlierOverlapping(e, (o) => {
        overlaps.push(o);
        const other = elements.ruleOf[o] ?? r;
        if (rules[other]?.action !== rule.action) bound = Math.max(bound, placement.groupOf[other] ?? -1);
      });
    }
    runs.push(overlaps.length);
    const group = placeRule(placement, rule.action, bound);
    for (let e = first; e < end; e++) {
      layer(placement, elements, group, e, overlaps.slice(runs[e - first], runs[e - first + 1]));
    }
  });
  return collect(placement, elements);
}

function expand(rules: readonly PolicyRule[]): Elements {
  const elements: Elements = { boxes: [], ruleOf: [], ruleIds: rules.map((rule) => rule.id), spans: [] };
  rules.forEach((rule, r) => {
    const first = elements.boxes.length;
    for (const box of ruleBoxes(rule)) {
      elements.boxes.push(box);
      elements.ruleOf.push(r);
    }
    elements.spans.push([first, elements.boxes.length]);
  });
  return elements;
}

/** `bound` is the last group holding an earlier, overlapping rule of another action, -1 when there is none. */
function placeRule(placement: Placement, action: FirewallAction, bound: number): number {
  const { actions } = placement;
  let group = actions.findIndex((a, i) => i > bound && a === action);
  if (group < 0) group = actions.push(action) - 1;
  placement.groupOf.push(group);
  return group;
}

/**
 * Puts element e in the lowest layer of its group where it overlaps no kept element. Within one group containment
 * means redundancy (same action, same place in the chain): e is dropped when a kept element contains it (identical
 * duplicates included), and the kept elements it contains are dropped.
 */
function layer(placement: Placement, elements: Elements, group: number, e: number, earlier: readonly number[]): void {
  const { layerOf, groupOf } = placement;
  const box = elements.boxes[e] as Box;
  const taken = new Set<number>();
  for (const o of earlier) {
    const other = elements.boxes[o] as Box;
    if ((layerOf[o] ?? -1) < 0 || groupOf[elements.ruleOf[o] ?? -1] !== group) continue;
    if (boxContains(other, box)) {
      layerOf[e] = -1;
      return;
    }
    if (boxContains(box, other)) layerOf[o] = -1;
    else taken.add(layerOf[o] ?? -1);
  }
  let target = 0;
  while (taken.has(target)) target++;
  layerOf[e] = target;
}

/** Builds each group's layers from the kept elements, in policy order; layers emptied by drops disappear. */
function collect(placement: Placement, elements: Elements): RuleGroup[] {
  const groups: RuleGroup[] = placement.actions.map((action) => ({ action, layers: [] }));
  elements.boxes.forEach((box, e) => {
    const at = placement.layerOf[e] ?? -1;
    const rule = elements.ruleOf[e] ?? -1;
    const group = groups[placement.groupOf[rule] ?? -1];
    if (at < 0 || !group) return;
    const into = group.layers[at] ?? (group.layers[at] = { ruleIds: [], boxes: [] });
    const ruleId = elements.ruleIds[rule] ?? '';
    if (into.ruleIds[into.ruleIds.length - 1] !== ruleId) into.ruleIds.push(ruleId);
    into.boxes.push(box);
  });
  for (const group of groups) group.layers = group.layers.filter((l) => l !== undefined);
  return groups;
}
