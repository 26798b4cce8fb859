import type { Elbv2Port, RegisteredTarget } from '../../../runtime/aws/api-ports.js';
import { ControllerError } from '../../../runtime/controller.js';
import {
  FIRST_VERDICT,
  healthOf,
  realSchedule,
  TcpHealthChecks,
  type Endpoint,
  type Schedule,
  type TcpCheck,
} from './tcp-check.js';
import type { MemberView, MembershipSnapshot, MembershipSpec, MembershipTracker } from './types.js';

export interface MembershipTrackerDeps {
  elbv2: Elbv2Port;
  tcpCheck: TcpCheck;
  clock?: () => Date;
  /** Timers of the TCP checks (tests step them by hand). */
  schedule?: Schedule;
  /** Deadline of one DescribeTargetHealth, client retries included. */
  syncDeadlineMs?: number;
}

/** Three attempts of the client's 10 s request timeout fit, with room for the instance lookup. */
export const DEFAULT_SYNC_DEADLINE_MS = 30_000;

interface Entry {
  /** The whole spec: any change makes the next sync due at once. */
  specKey: string;
  /** Where members come from: a change of source drops the last known members. */
  sourceKey: string;
  /** Last DescribeTargetHealth attempt (ms), failed or not: the interval counts from it. */
  attemptedAt?: number;
  registered?: RegisteredTarget[];
  syncedAt?: string;
  error?: { reason: string; message: string };
  inflight?: Promise<void>;
  checks?: TcpHealthChecks;
}

function errorOf(err: unknown, deadline: AbortSignal, ms: number): { reason: string; message: string } {
  if (deadline.aborted)
    return { reason: 'SyncTimeout', message: `DescribeTargetHealth did not answer within ${ms} ms` };
  if (err instanceof ControllerError) return { reason: err.reason, message: err.message };
  return { reason: 'AwsApiError', message: `DescribeTargetHealth failed: ${(err as Error).message}` };
}

/**
 * The MembershipTracker of types.ts. Target groups are read at most once per syncIntervalSeconds per resource (at
 * once after a spec change); TCP health runs in the background per resource until forget().
 */
export function createMembershipTracker(deps: MembershipTrackerDeps): MembershipTracker {
  const clock = deps.clock ?? ((): Date => new Date());
  const schedule = deps.schedule ?? realSchedule;
  const deadlineMs = deps.syncDeadlineMs ?? DEFAULT_SYNC_DEADLINE_MS;
  const entries = new Map<string, Entry>();

  const entryFor = (resource: string, spec: MembershipSpec): Entry => {
    const specKey = JSON.stringify(spec);
    const sourceKey = JSON.stringify(spec.targets);
    const old = entries.get(resource);
    if (old?.sourceKey === sourceKey) {
      if (old.specKey !== specKey) Object.assign(old, { specKey, attemptedAt: undefined });
      return old;
    }
    // A new source starts from nothing (an in-flight read of the old one lands in the old entry); the checks carry on.
    const entry: Entry = { specKey, sourceKey };
    if (old?.checks) entry.checks = old.checks;
    entries.set(resource, entry);
    return entry;
  };

  const read = async (entry: Entry, arn: string, signal: AbortSignal): Promise<void> => {
    const deadline = AbortSignal.timeout(deadlineMs);
    entry.attemptedAt = clock().getTime();
    try {
      entry.registered = await deps.elbv2.describeTargetHealth(arn, AbortSignal.any([signal, deadline]));
      entry.syncedAt = clock().toISOString();
      delete entry.error;
    } catch (err) {
      // Cancelled by the caller (shutdown, reconcile deadline): not the API's answer, so retry on the next call.
      if (signal.aborted && !deadline.aborted) entry.attemptedAt = undefined;
      else entry.error = errorOf(err, deadline, deadlineMs);
    }
  };

  const sync = async (entry: Entry, spec: MembershipSpec, arn: string, signal: AbortSignal): Promise<void> => {
    if (entry.inflight) return entry.inflight;
    const due =
      entry.attemptedAt === undefined || clock().getTime() - entry.attemptedAt >= spec.syncIntervalSeconds * 1000;
    if (!due) return;
    entry.inflight = read(entry, arn, signal).finally(() => (entry.inflight = undefined));
    return entry.inflight;
  };

  return {
    async current(resource, spec, signal) {
      const entry = entryFor(resource, spec);
      if ('targetGroupArn' in spec.targets) await sync(entry, spec, spec.targets.targetGroupArn, signal);
      // forget() or a new source may have replaced the entry during the read: never start checks for a stale one.
      const live = entries.get(resource) === entry;
      return snapshot(entry, spec, live ? { tcpCheck: deps.tcpCheck, schedule } : undefined);
    },
    forget(resource) {
      entries.get(resource)?.checks?.stop();
      entries.delete(resource);
    },
  };
}

interface Candidate extends Endpoint {
  /** ELBv2's state for target-group members; static targets have none. */
  registered?: RegisteredTarget;
  weight?: number;
}

function candidates(entry: Entry, spec: MembershipSpec): Candidate[] {
  if ('static' in spec.targets)
    return spec.targets.static.map((t) => ({
      address: t.address,
      port: t.port ?? spec.defaultPort,
      weight: t.weight ?? 1,
    }));
  return (entry.registered ?? []).map((r) => ({ address: r.address, port: r.port, registered: r }));
}

/**
 * Health by the spec's source; `draining` is ELBv2's registration (the target is leaving) whatever the source. Static
 * targets have no ELBv2 health: with source targetGroup (which the schema should refuse) they count as healthy.
 */
function memberOf(c: Candidate, spec: MembershipSpec, checks: TcpHealthChecks | undefined): MemberView {
  const r = c.registered;
  const view: MemberView = { address: c.address, port: c.port, health: 'healthy' };
  if (r?.state === 'draining' || (r && spec.healthCheck.source === 'targetGroup')) {
    view.health = r.state;
    if (r.reason) view.reason = r.reason;
  } else if (spec.healthCheck.source === 'tcp') Object.assign(view, healthOf(checks?.verdict(c) ?? FIRST_VERDICT));
  if (c.weight !== undefined) view.weight = c.weight;
  if (r?.targetId) view.targetId = r.targetId;
  return view;
}

/** `checks`: how to run TCP checks for a live entry; undefined for one that was replaced meanwhile. */
function snapshot(
  entry: Entry,
  spec: MembershipSpec,
  checks: { tcpCheck: TcpCheck; schedule: Schedule } | undefined,
): MembershipSnapshot {
  const all = candidates(entry, spec);
  const hc = spec.healthCheck;
  if (checks && hc.source === 'tcp') {
    entry.checks ??= new TcpHealthChecks(hc, checks);
    const probed = all.filter((c) => c.registered?.state !== 'draining');
    entry.checks.track(probed, hc);
  } else if (checks) {
    entry.checks?.stop();
    delete entry.checks;
  }
  const out: MembershipSnapshot = { members: all.map((c) => memberOf(c, spec, entry.checks)) };
  if (entry.syncedAt) out.syncedAt = entry.syncedAt;
  if (entry.error) out.error = { ...entry.error };
  return out;
}
