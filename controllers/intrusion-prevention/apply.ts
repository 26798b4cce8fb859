import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { QueuePort } from './queue-port.js';
import type { IpsAction } from './types.js';

/** In plan order: Suricata is serving before packets are queued, and unqueued before it stops. */
export async function applyIntrusionPrevention(
  actions: readonly IpsAction[],
  ports: { supervisor: DaemonSupervisor; queue?: QueuePort },
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions) {
    if (action.type === 'queue') await ports.queue?.install(action.queue, signal);
    else if (action.type === 'unqueue') await ports.queue?.remove(signal);
    else await ports.supervisor.apply(action, signal);
  }
}
