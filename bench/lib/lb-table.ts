import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoadBalancerDecoder } from '../../controllers/load-balancer/decode.js';
import { planLoadBalancer } from '../../controllers/load-balancer/index.js';
import { createMembershipTracker } from '../../controllers/load-balancer/membership/tracker.js';
import type { MembershipSnapshot } from '../../controllers/load-balancer/membership/types.js';
import { DEFAULT_MAX_SERVICES, LB_TABLE, TARGET_CHAIN_PATTERN } from '../../controllers/load-balancer/names.js';
import { membershipSpecOf } from '../../controllers/load-balancer/spec.js';
import type { LoadBalancerObserved } from '../../controllers/load-balancer/types.js';
import { isObject } from '../../renderers/nft/elements.js';
import { renderTransaction, type NftJsonCommand } from '../../renderers/nft/render.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { Cleanup } from './cleanup.js';
import type { LbLab } from './lb-lab.js';

/** One LoadBalancer resource of the benchmark: a TCP listener on every gateway address, static targets. */
export interface BenchService {
  name: string;
  port: number;
  scheduler: 'rr' | 'sh';
  sourceNat: boolean;
}

/** The raw SSM value of a resource, as a user would write it (validated by the controller's own decoder). */
export function loadBalancerSpec(s: BenchService, targets: readonly string[]): Record<string, unknown> {
  return {
    listener: { protocol: 'TCP', port: s.port },
    targets: { static: targets.map((address) => ({ address })) },
    scheduler: s.scheduler,
    sourceNat: s.sourceNat,
    healthCheck: { source: 'none' },
  };
}

const unused = (what: string) => (): never => {
  throw new Error(`${what} is not used by static targets without health checks`);
};

/**
 * The nft transaction one reconcile pass of the LoadBalancer controller commits on a host with no table yet:
 * the controller's decoder (schema, admission, service ids), its membership tracker (static targets, health
 * source none: all healthy) and its planner (renderLbTable through planTableChange), rendered as `nft -j -f` reads
 * it. Nothing here is a copy of the controller's logic.
 */
export async function renderLbTransaction(
  services: readonly BenchService[],
  targets: readonly string[],
): Promise<{ nftables: NftJsonCommand[] }> {
  const snapshot: KindSnapshot = {
    kind: 'LoadBalancer',
    resources: services.map((s, i) => ({
      name: s.name,
      generation: 1,
      modifiedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      value: JSON.stringify(loadBalancerSpec(s, targets)),
    })),
  };
  const decoded = createLoadBalancerDecoder(DEFAULT_MAX_SERVICES)(snapshot);
  if (!decoded.ok) throw new Error(`LoadBalancer decode failed: ${JSON.stringify(decoded)}`);
  if (decoded.ignored.length > 0) throw new Error(`LoadBalancer rejected: ${JSON.stringify(decoded.ignored)}`);
  const tracker = createMembershipTracker({
    elbv2: { describeTargetHealth: unused('ELBv2') },
    tcpCheck: unused('TCP'),
  });
  const memberships: Record<string, MembershipSnapshot> = {};
  for (const s of decoded.desired.spec.services)
    memberships[s.name] = await tracker.current(s.name, membershipSpecOf(s.spec), AbortSignal.timeout(5000));
  const observed: LoadBalancerObserved = {
    mechanism: 'nftables',
    now: new Date().toISOString(),
    memberships,
    ledger: {},
  };
  const actions = planLoadBalancer(decoded.desired, observed);
  const tables = actions.flatMap((a) => (a.op === 'replaceTable' ? [a] : []));
  if (tables.length !== 1) throw new Error(`expected one replaceTable, planned ${actions.map((a) => a.op).join(',')}`);
  return renderTransaction(tables);
}

/** The packets a rule's counter holds (0 without one). */
function counterPackets(expr: unknown): number {
  const counter = (Array.isArray(expr) ? (expr as unknown[]) : []).find((s) => isObject(s) && isObject(s.counter));
  return isObject(counter) && isObject(counter.counter) ? Number(counter.counter.packets ?? 0) : 0;
}

/** Connections each target got, by "address:port": the counter of its dnat rule (nat chains see a flow's first packet). */
export function targetCounters(listing: unknown): Record<string, number> {
  const items = isObject(listing) && Array.isArray(listing.nftables) ? (listing.nftables as unknown[]) : [];
  const out: Record<string, number> = {};
  for (const item of items) {
    const rule = isObject(item) && isObject(item.rule) ? item.rule : undefined;
    const m = typeof rule?.chain === 'string' ? TARGET_CHAIN_PATTERN.exec(rule.chain) : null;
    if (!m) continue;
    const key = `${m[2]}:${m[3]}`;
    out[key] = (out[key] ?? 0) + counterPackets(rule?.expr);
  }
  return out;
}

/** nft in the gateway namespace: the ruleset emptied or set to one transaction, conntrack flushed each time. */
export interface GatewayTables {
  /** Flushes the ruleset and conntrack, then loads the transaction (none: stays empty); returns the load time (ms). */
  load(transaction: { nftables: NftJsonCommand[] } | undefined): Promise<number>;
  /** Per-target connection counters of the balancer's table. */
  counters(): Promise<Record<string, number>>;
}

export async function gatewayTables(lab: LbLab, cleanup: Cleanup): Promise<GatewayTables> {
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-lb-'));
  cleanup.add('remove the nft transaction temp dir', () => rm(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    async load(transaction) {
      await lab.run(lab.gatewayNs, ['nft', 'flush', 'ruleset']);
      // Entries of the previous scenario would keep their NAT bindings (and fill the table): every scenario starts clean.
      await lab.run(lab.gatewayNs, ['conntrack', '-F']).catch(() => '');
      if (!transaction) return 0;
      const file = join(dir, `t${(n += 1)}.json`);
      await writeFile(file, JSON.stringify(transaction));
      const start = performance.now();
      await lab.run(lab.gatewayNs, ['nft', '-j', '-f', file]);
      return performance.now() - start;
    },
    async counters() {
      return targetCounters(
        JSON.parse(await lab.run(lab.gatewayNs, ['nft', '-j', 'list', 'table', LB_TABLE.family, LB_TABLE.name])),
      );
    },
  };
}
