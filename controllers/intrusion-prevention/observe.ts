import { stat } from 'node:fs/promises';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CommandRunner } from '../../runtime/ports.js';
import type { EveMonitor } from './eve-monitor.js';
import { readNfqueueStats, type ReadOptionalFile } from './nfqueue-stats.js';
import type { QueuePort } from './queue-port.js';
import { SURICATASC } from './suricata-daemon.js';
import type { IpsObserved, QueueSpec } from './types.js';

export interface ObservePorts {
  supervisor: DaemonSupervisor;
  queue?: QueuePort;
  eve: EveMonitor;
  runner: CommandRunner;
  readOptional: ReadOptionalFile;
  socket: string;
  eveLog: string;
}

/** The daemon, the queue rules, which queues have a reader, what Suricata says of its rules, and the counters. */
export async function observeIntrusionPrevention(
  ports: ObservePorts,
  desired: QueueSpec | undefined,
  unavailable: IpsObserved['unavailable'],
  signal: AbortSignal,
): Promise<IpsObserved> {
  const daemon = await ports.supervisor.observe(signal);
  const queue = ports.queue
    ? await ports.queue.observe(desired, signal)
    : { present: false, intact: false, packets: 0 };
  const queues = await readNfqueueStats(ports.readOptional);
  await ports.eve.poll();
  const rules = daemon.phase === 'running' ? await rulesetStats(ports.runner, ports.socket, signal) : undefined;
  return {
    daemon,
    queue,
    ...(ports.queue ? { mechanism: ports.queue.mechanism } : {}),
    ...(unavailable ? { unavailable } : {}),
    ...(rules ? { rules } : {}),
    counters: ports.eve.counters(queues, queue),
    boundQueues: queues.filter((q) => q.portId !== 0).map((q) => q.queue),
    eveBytes: await stat(ports.eveLog).then(
      (s) => s.size,
      () => 0,
    ),
  };
}

const RULESET_STATS_TIMEOUT_MS = 5_000;

interface RulesetStats {
  rules_loaded?: number;
  rules_failed?: number;
}

/** `ruleset-stats` over the command socket; undefined when Suricata does not answer within 5 s (status omits it). */
export async function rulesetStats(
  runner: CommandRunner,
  socket: string,
  signal: AbortSignal,
): Promise<IpsObserved['rules']> {
  // A wedged socket costs this pass a few seconds, not the stage deadline: the daemon's state is observed anyway.
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(RULESET_STATS_TIMEOUT_MS)]);
  const result = await runner
    .run(SURICATASC, ['-c', 'ruleset-stats', socket], { signal: bounded })
    .catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  return parseRulesetStats(result.stdout);
}

export function parseRulesetStats(text: string): IpsObserved['rules'] {
  try {
    const parsed = JSON.parse(text) as { return?: string; message?: RulesetStats[] | RulesetStats };
    if (parsed.return !== 'OK' || !parsed.message) return undefined;
    const engines = Array.isArray(parsed.message) ? parsed.message : [parsed.message];
    const last = engines.at(-1);
    if (typeof last?.rules_loaded !== 'number') return undefined;
    return { loaded: last.rules_loaded, failed: last.rules_failed ?? 0 };
  } catch {
    return undefined;
  }
}
