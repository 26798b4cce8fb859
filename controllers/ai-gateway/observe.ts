import type { ProbeResult } from '../../runtime/controller.js';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { statusUrl } from './daemon.js';
import { fetchDataPlaneStatus } from './data-plane-status.js';
import type { AiGatewayObserved } from './types.js';

/**
 * The data plane is csgw itself, so it is always there: the probe adopts a gateway a previous operator kept running
 * and reports the account it runs as.
 */
export async function probeAiGateway(supervisor: DaemonSupervisor, runsAs: string): Promise<ProbeResult> {
  await supervisor.adopt();
  return { ok: true, reason: 'Probed', message: `ai-gateway runs as ${runsAs}`, details: { runsAs } };
}

/** The kit's observation, plus the data plane's /status when a process runs (a failure to read it is reported). */
export async function observeAiGateway(
  supervisor: DaemonSupervisor,
  runner: CommandRunner,
  signal: AbortSignal,
): Promise<AiGatewayObserved> {
  const daemon = await supervisor.observe(signal);
  const url = daemon.pid !== undefined ? statusUrl(daemon.running?.ready) : undefined;
  if (!url) return { daemon };
  const fetched = await fetchDataPlaneStatus(runner, url, signal);
  return fetched.ok ? { daemon, dataPlane: fetched.status } : { daemon, dataPlaneError: fetched.error };
}
