import { rename } from 'node:fs/promises';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { EveMonitor } from './eve-monitor.js';
import type { IpsPaths } from './paths.js';
import type { QueuePort } from './queue-port.js';
import type { IpsAction } from './types.js';

export interface ApplyPorts {
  supervisor: DaemonSupervisor;
  queue?: QueuePort;
  eve: EveMonitor;
  paths: IpsPaths;
}

/** In plan order: Suricata is serving before packets are queued, and unqueued before it stops. */
export async function applyIntrusionPrevention(
  actions: readonly IpsAction[],
  ports: ApplyPorts,
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions) {
    if (action.type === 'queue') await ports.queue?.install(action.queue, signal);
    else if (action.type === 'unqueue') await ports.queue?.remove(signal);
    else if (action.type === 'rotateLogs') await rotateLogs(ports, signal);
    else await ports.supervisor.apply(action, signal);
  }
}

/**
 * Reads eve.json to its end, moves it and suricata.log aside (one old generation kept) and has Suricata reopen
 * them. What Suricata appends between the last read and its reopen is not counted: a few records at most.
 */
async function rotateLogs({ supervisor, eve, paths }: ApplyPorts, signal: AbortSignal): Promise<void> {
  await eve.poll();
  await rename(paths.eveLog, `${paths.eveLog}.1`);
  await rename(paths.suricataLog, `${paths.suricataLog}.1`).catch(() => undefined);
  try {
    await supervisor.reopenLogs(signal);
  } catch (err) {
    // Suricata still writes the renamed files: put them back, so the tail and the next rotation find them.
    await rename(`${paths.eveLog}.1`, paths.eveLog);
    await rename(`${paths.suricataLog}.1`, paths.suricataLog).catch(() => undefined);
    throw err;
  }
}
