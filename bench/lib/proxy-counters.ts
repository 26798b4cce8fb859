import { setTimeout as delay } from 'node:timers/promises';
import { classifyLine, countOutcome, type OutcomeCounts } from '../../controllers/forward-proxy/access-log.js';
import { squidPid, type Operator, type Topology } from '../../e2e/harness/index.js';
import { accessLogTally, unusualLines, type LogMark, type LogTally } from './proxy-observe.js';

/**
 * The ForwardProxy controller's own view (status.details from the admin API) next to squid's access log: do its
 * counters count what squid logged, and did squid stay up.
 */
export const KIND = 'ForwardProxy';

/** The controller's line counters (controllers/forward-proxy/access-log.ts), without the derived hitRatio. */
export type ProxyCounters = OutcomeCounts;

export interface ProxyDetails {
  running?: { hash?: string; pid?: number };
  counters?: ProxyCounters;
  crashes?: { recent?: number; lastExit?: string };
}

const SQUID_CACHE_LOG = '/var/lib/csgw/squid/logs/cache.log';

/** Whether squid stayed up: its pid then and now, the controller's crash count, and what squid logged as a problem. */
export async function squidHealth(
  t: Topology,
  op: Operator,
  pidAtStart: number | undefined,
): Promise<Record<string, unknown>> {
  const details = await proxyDetails(op);
  const problems = await t.exec('gateway', [
    'sh',
    '-c',
    'grep -E "FATAL|ERROR|WARNING|assertion" "$1" | grep -v "BCP 177" | tail -n 20',
    'sh',
    SQUID_CACHE_LOG,
  ]);
  return {
    pidAtStart,
    pidAtEnd: await squidPid(t),
    running: details.running,
    crashes: details.crashes,
    cacheLogProblems: problems.stdout.split('\n').filter(Boolean),
  };
}

export async function proxyDetails(op: Operator): Promise<ProxyDetails> {
  return (await op.controller(KIND))?.details ?? {};
}

export interface CounterCheck {
  sentThroughProxy: number;
  accessLog: { clientLines: number; localLines: number; byKey: Record<string, number>; rotated: boolean };
  /** The access log's lines classified with the controller's own rules. */
  accessLogClassified: ProxyCounters;
  /** status.details.counters at the end minus at the start (both settled). */
  counters: ProxyCounters;
  /** Since squid started: the whole access log, and the counters as they are. */
  total: { accessLogClassified: ProxyCounters; counters: ProxyCounters; wholeLogByKey: Record<string, number> };
  /** Access log lines of the measured part that are not a 200 miss, memory hit or tunnel (first 50). */
  unusualLines: string[];
}

export const ZERO: ProxyCounters = {
  requests: 0,
  cacheHits: 0,
  cacheMisses: 0,
  denied: 0,
  authRequired: 0,
  tunnels: 0,
};

/** The tally classified line by line with the controller's own rules (classifyLine). */
function classify(tally: LogTally): ProxyCounters {
  const out = { ...ZERO };
  for (const [key, n] of Object.entries(tally.byKey)) {
    const [client = '', actionStatus = '', method = ''] = key.split(' ');
    const outcome = classifyLine(`0 0 ${client} ${actionStatus} 0 ${method} - - -`);
    if (outcome) countOutcome(out, outcome, n);
  }
  return out;
}

/**
 * The controller's counters once they stopped moving: it reads the access log on each resync (2 s here) and the
 * admin API shows the last status, so right after a burst they lag behind the log.
 */
export async function settledCounters(op: Operator): Promise<ProxyCounters> {
  let last = (await proxyDetails(op)).counters ?? ZERO;
  for (let i = 0; i < 15; i++) {
    await delay(2_500);
    const now = (await proxyDetails(op)).counters ?? ZERO;
    const moved = now.requests !== last.requests;
    last = now;
    if (!moved) break;
  }
  return last;
}

const minus = (a: ProxyCounters, b: ProxyCounters): ProxyCounters =>
  Object.fromEntries(
    Object.keys(ZERO).map((k) => [k, a[k as keyof ProxyCounters] - b[k as keyof ProxyCounters]]),
  ) as unknown as ProxyCounters;

/**
 * Compares the controller's counters with the access log: over the measured part (deltas from the baseline) and in
 * total (the whole log, which the operator has read from its first line; valid while it was never rotated).
 */
export async function checkCounters(
  t: Topology,
  op: Operator,
  sentThroughProxy: number,
  start: ProxyCounters,
  mark: LogMark,
): Promise<CounterCheck> {
  const end = await settledCounters(op);
  const tally = await accessLogTally(t, mark);
  const whole = await accessLogTally(t, { inode: mark.inode, lines: 0 });
  const localLines = Object.entries(tally.byKey)
    .filter(([k]) => k.startsWith('local '))
    .reduce((a, [, n]) => a + n, 0);
  return {
    sentThroughProxy,
    accessLog: { clientLines: tally.lines - localLines, localLines, byKey: tally.byKey, rotated: tally.rotated },
    accessLogClassified: classify(tally),
    counters: minus(end, start),
    total: { accessLogClassified: classify(whole), counters: end, wholeLogByKey: whole.byKey },
    unusualLines: await unusualLines(t, mark),
  };
}
