import { compileFirewall, memoisedCompile } from '../../controllers/firewall/compile/compile.js';
import { FILTER_TABLE } from '../../controllers/firewall/compile/names.js';
import { firewallOps, planFirewall } from '../../controllers/firewall/plan.js';
import type { CompiledFirewall, FirewallDesired, PolicyRule } from '../../controllers/firewall/types.js';
import type { Forward } from '../../controllers/port-forward/forwards.js';
import { DNAT_TABLE } from '../../controllers/port-forward/names.js';
import { compilePortForwards, type CompiledPortForwards } from '../../controllers/port-forward/table.js';
import { planTableChange, tableChangeOps } from '../../renderers/nft/delta.js';
import type { NftFamily, NftOp, NftRule, NftTable, ObservedTable } from '../../renderers/nft/model.js';
import {
  NAIVE_DNAT,
  NAIVE_FILTER,
  naiveDnatRule,
  naiveDnatTable,
  naiveFirewallRule,
  naiveFirewallTable,
} from './naive-tables.js';
import { firewallRules, portForwards } from './rule-gen.js';

/** 0: the generated list; 1: the same list with one rule edited. One-change runs alternate between the two. */
export type Variant = 0 | 1;

/**
 * One benchmark point: how the controller builds its desired table from the list and plans against the kernel's,
 * and the naive equivalent. `build` compiles from scratch (a controller just started); `rebuild` as a running
 * controller does after an edit: fresh rule objects (decode makes new ones) through the controller's own compiler,
 * which reuses the per-rule work of the previous compile.
 */
export interface Workload<C> {
  kind: 'firewall' | 'port-forward';
  size: number;
  owned: { family: NftFamily; name: string };
  build(variant: Variant): C;
  rebuild(variant: Variant): C;
  tableOf(compiled: C): NftTable;
  /** The controller's plan as the ops of its one transaction; [] when converged. */
  plan(compiled: C, observed: ObservedTable | undefined): NftOp[];
  /** What the one change is, for the report. */
  edit: string;
  naive: {
    table: { family: NftFamily; name: string };
    build(variant: Variant): NftTable;
    /** The chain and position of the edited rule, and its two versions. */
    chain: string;
    index: number;
    rule(variant: Variant): NftRule;
  };
}

/** A port used by no generated rule: single ports stop at 65000, ranges at 60500. */
const UNUSED_PORT = 65100;

function onlyElementUpdates(desired: NftTable, current: NftTable): boolean {
  const changes = planTableChange(desired, current);
  return changes.length > 0 && changes.every((c) => c.op === 'updateElements');
}

/**
 * The rule the one change edits: a tcp deny from one source to one destination on one port near the middle of the list whose new port (UNUSED_PORT)
 * leaves the compiled structure alone, so the controller can apply it as an element update. Found by trying.
 */
function pickFirewallEdit(rules: readonly PolicyRule[], compile: (r: readonly PolicyRule[]) => NftTable): number {
  const base = compile(rules);
  const start = Math.floor(rules.length / 2);
  let tried = 0;
  for (let k = 0; k < rules.length && tried < 20; k++) {
    const i = (start + k) % rules.length;
    const rule = rules[i]!;
    // One source and one destination: nft 1.0.6 aborts on `replace rule` with an anonymous interval set
    // ("BUG: unhandled op 2", evaluate.c interval_set_eval), which the naive replace-rule series needs.
    const single = rule.sources.length === 1 && rule.destinations.length === 1 && rule.ports.length === 1;
    if (rule.action !== 'deny' || rule.protocol !== 'tcp' || !single) continue;
    tried += 1;
    if (onlyElementUpdates(compile(editPort(rules, i)), base)) return i;
  }
  throw new Error('no rule whose port edit keeps the compiled structure');
}

function editPort(rules: readonly PolicyRule[], i: number): PolicyRule[] {
  const out = [...rules];
  out[i] = { ...rules[i]!, ports: [{ first: UNUSED_PORT, last: UNUSED_PORT }] };
  return out;
}

export function firewallWorkload(size: number, seed: number): Workload<CompiledFirewall> {
  const rules = firewallRules(size, seed);
  const desired = (list: readonly PolicyRule[]): FirewallDesired => ({
    forward: { rules: [...list], defaultAction: 'allow' },
  });
  const at = pickFirewallEdit(rules, (list) => compileFirewall(desired(list)).table);
  const variants: Record<Variant, PolicyRule[]> = { 0: rules, 1: editPort(rules, at) };
  const old = rules[at]!.ports[0]!.first;
  const running = memoisedCompile();
  return {
    kind: 'firewall',
    size,
    owned: FILTER_TABLE,
    build: (v) => compileFirewall(desired(variants[v])),
    rebuild: (v) => running(desired(variants[v].map((r) => ({ ...r })))),
    tableOf: (c) => c.table,
    plan: (c, observed) => firewallOps(planFirewall(c, observed ? { table: observed } : {})),
    edit: `${rules[at]!.id}: tcp dport ${old} -> ${UNUSED_PORT}`,
    naive: {
      table: NAIVE_FILTER,
      build: (v) => naiveFirewallTable(desired(variants[v]).forward),
      chain: 'forward',
      // After the `ct state established,related accept` rule.
      index: at + 1,
      rule: (v) => naiveFirewallRule(variants[v][at]!),
    },
  };
}

/** The forward the one change retargets: one that rewrites the port and does not masquerade, near the middle. */
function pickForwardEdit(forwards: readonly Forward[]): number {
  const start = Math.floor(forwards.length / 2);
  for (let k = 0; k < forwards.length; k++) {
    const i = (start + k) % forwards.length;
    if (!forwards[i]!.masquerade && forwards[i]!.destinationPort !== undefined) return i;
  }
  throw new Error('no forward to edit');
}

/** Outside 10.0.0.0/8, where every generated target lives: the edited target is unique. */
const NEW_TARGET = '192.168.77.77';

export function portForwardWorkload(size: number, seed: number): Workload<CompiledPortForwards> {
  const forwards = portForwards(size, seed);
  const at = pickForwardEdit(forwards);
  const edited = [...forwards];
  edited[at] = { ...forwards[at]!, destinationIp: NEW_TARGET };
  const variants: Record<Variant, Forward[]> = { 0: forwards, 1: edited };
  const f = forwards[at]!;
  const workload: Workload<CompiledPortForwards> = {
    kind: 'port-forward',
    size,
    owned: DNAT_TABLE,
    build: (v) => compilePortForwards(variants[v]),
    // The compile keeps nothing between calls: a running controller does the same work.
    rebuild: (v) => compilePortForwards(variants[v].map((f) => ({ ...f }))),
    tableOf: (c) => c.table,
    // What planPortForward and applyPortForward do with the table (ip_forward is left out: it is set once).
    plan: (c, observed) => tableChangeOps(planTableChange(c.table, observed?.table)),
    edit: `forward ${at} (${f.protocol} ${f.listen.first}): ${f.destinationIp}:${f.destinationPort} -> ${NEW_TARGET}:${f.destinationPort}`,
    naive: {
      table: NAIVE_DNAT,
      build: (v) => naiveDnatTable(variants[v]),
      chain: 'prerouting',
      index: at,
      rule: (v) => naiveDnatRule(variants[v][at]!),
    },
  };
  if (!onlyElementUpdates(workload.build(1).table, workload.build(0).table))
    throw new Error('the forward edit does not reduce to element updates');
  return workload;
}
