import { setTimeout as delay } from 'node:timers/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Member } from './cluster.js';
import { readLease } from './lease-watch.js';
import { byLabel, delta, type Metrics } from './operator.js';

/** One member's SSM calls over the steady-state window. */
export interface MemberSteadyState {
  instanceId: string;
  availabilityZoneId: string;
  /** Lease scopes this member held at both ends of the window. */
  leads: string[];
  /** csgw_ssm_calls_total deltas by operation, from the operator's /metrics. */
  metricsCalls: Record<string, number>;
  metricsCallsPerSecond: number;
  /** Requests that reached SSM, by "Operation parameter" relative to the gateway root, from this member's tap. */
  tapCalls: Record<string, number>;
  leaseCallsPerSecond: number;
  /** Lease parameters this member called on: every member takes part in the cluster scope and its own AZ's. */
  leaseScopes: number;
  /** leaseCallsPerSecond / leaseScopes: the per-scope cost (at most 1 / retryPeriod; less where reads are batched). */
  leaseCallsPerScopePerSecond: number;
  otherCallsPerSecond: number;
  /** Lease calls / all calls (tap). */
  leaseShare: number;
  /** Per-second rates of tapCalls. */
  tapCallsPerSecond: Record<string, number>;
}

export interface SteadyStateResult {
  windowS: number;
  /** Effective holder per scope at the start and the end; they must agree for the window to mean "nothing changed". */
  holdersAtStart: Record<string, string>;
  holdersAtEnd: Record<string, string>;
  members: MemberSteadyState[];
}

interface Snapshot {
  atMs: number;
  metrics: Metrics[];
  tapLengths: number[];
  holders: Record<string, string>;
}

/** "GetParameter leases/cluster", "PutParameter status/i-…", "GetParametersByPath spec". */
export function callKey(operation: string, parameter: string, gatewayRoot: string): string {
  const relative = parameter.startsWith(`${gatewayRoot}/`) ? parameter.slice(gatewayRoot.length + 1) : parameter;
  return `${operation} ${relative || '-'}`;
}

/** `leases/cluster` and `/cloudspectra/g/leases/cluster` name the same scope. */
const leaf = (parameter: string): string => parameter.slice(parameter.indexOf('leases/'));

const isLeaseKey = (key: string): boolean => key.split(' ')[1]?.startsWith('leases/') ?? false;

async function holders(client: SSMClient, leaseNames: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [scope, name] of Object.entries(leaseNames)) out[scope] = (await readLease(client, name)).holder ?? '';
  return out;
}

async function snapshot(client: SSMClient, members: readonly Member[], leaseNames: Record<string, string>) {
  return {
    atMs: performance.now(),
    metrics: await Promise.all(members.map((m) => m.current.metrics())),
    tapLengths: members.map((m) => m.tap.records.length),
    holders: await holders(client, leaseNames),
  } satisfies Snapshot;
}

const NO_METRICS: Metrics = new Map();
const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;
const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function memberResult(m: Member, i: number, s: { start: Snapshot; end: Snapshot; gatewayRoot: string }) {
  const seconds = (s.end.atMs - s.start.atMs) / 1000;
  const metricsCalls = delta(
    byLabel(s.start.metrics[i] ?? NO_METRICS, 'csgw_ssm_calls_total', 'operation'),
    byLabel(s.end.metrics[i] ?? NO_METRICS, 'csgw_ssm_calls_total', 'operation'),
  );
  const tapCalls: Record<string, number> = {};
  for (const c of m.tap.records.slice(s.start.tapLengths[i], s.end.tapLengths[i])) {
    const key = callKey(c.operation, c.parameter, s.gatewayRoot);
    tapCalls[key] = (tapCalls[key] ?? 0) + 1;
  }
  const leaseKeys = Object.keys(tapCalls).filter(isLeaseKey);
  const lease = leaseKeys.reduce((n, k) => n + (tapCalls[k] ?? 0), 0);
  // A batched read names several parameters (comma-joined): each is a scope this member takes part in.
  const scopes = new Set(leaseKeys.flatMap((k) => (k.split(' ')[1] ?? '').split(',').map(leaf))).size;
  const all = sum(tapCalls);
  const id = m.identity.instanceId;
  return {
    instanceId: id,
    availabilityZoneId: m.identity.availabilityZoneId,
    leads: Object.keys(s.end.holders).filter((scope) => s.end.holders[scope] === id && s.start.holders[scope] === id),
    metricsCalls,
    metricsCallsPerSecond: round(sum(metricsCalls) / seconds),
    tapCalls,
    leaseCallsPerSecond: round(lease / seconds),
    leaseScopes: scopes,
    leaseCallsPerScopePerSecond: scopes > 0 ? round(lease / scopes / seconds) : Number.NaN,
    otherCallsPerSecond: round((all - lease) / seconds),
    leaseShare: all > 0 ? round(lease / all) : Number.NaN,
    tapCallsPerSecond: Object.fromEntries(Object.entries(tapCalls).map(([k, v]) => [k, round(v / seconds)])),
  } satisfies MemberSteadyState;
}

/**
 * SSM calls per member over a window in which nothing changes: the operators' own counters (/metrics) for the total,
 * and each member's tap, which knows the parameter, to split lease calls (GetParameter / PutParameter on leases/)
 * from the rest (the desired-state poll, GetParametersByPath on spec/, and status writes, PutParameter on status/).
 */
export async function measureSteadyState(
  client: SSMClient,
  members: readonly Member[],
  opts: { windowS: number; gatewayRoot: string; leaseNames: Record<string, string> },
): Promise<SteadyStateResult> {
  const start = await snapshot(client, members, opts.leaseNames);
  await delay(opts.windowS * 1000);
  const end = await snapshot(client, members, opts.leaseNames);
  const restarted = members.filter((m) => m.current.startedMs > start.atMs);
  if (restarted.length > 0) throw new Error('a member restarted during the steady-state window');
  return {
    windowS: round((end.atMs - start.atMs) / 1000, 1),
    holdersAtStart: start.holders,
    holdersAtEnd: end.holders,
    members: members.map((m, i) => memberResult(m, i, { start, end, gatewayRoot: opts.gatewayRoot })),
  };
}
