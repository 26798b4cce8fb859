import { httpGet } from '../../runtime/daemon/http-get.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { VLLM_HOST } from './daemon.js';
import type { ModelFleet } from './fleet.js';
import type { LocalModelDesired, LocalModelObserved, ModelObservation, VllmMetrics } from './types.js';

/**
 * Each model the fleet knows (desired ones and those found on disk): the kit's observation, the background step,
 * and, while vLLM runs, its own gauges from /metrics (read from inside the managed namespace, with a deadline).
 */
export async function observeLocalModels(
  fleet: ModelFleet,
  desired: LocalModelDesired,
  runner: CommandRunner,
  gpu: string,
  signal: AbortSignal,
): Promise<LocalModelObserved> {
  for (const m of desired.models) fleet.supervisor(m.name);
  const models: ModelObservation[] = [];
  for (const name of fleet.names()) {
    const daemon = await fleet.supervisor(name).observe(signal);
    const port = desired.models.find((m) => m.name === name)?.port;
    const metrics = daemon.phase === 'running' && port ? await readMetrics(runner, port, signal) : undefined;
    models.push({ name, daemon, work: fleet.work(name), ...(metrics ? { metrics } : {}) });
  }
  return { models, gpu };
}

async function readMetrics(runner: CommandRunner, port: number, signal: AbortSignal): Promise<VllmMetrics | undefined> {
  const url = `http://${VLLM_HOST}:${port}/metrics`;
  const got = await httpGet(runner, url, signal, 4_000_000);
  return got.ok ? parseVllmMetrics(got.body) : undefined;
}

/**
 * vLLM's gauges, summed over their lines (one server serves one model). KV-cache use is
 * `vllm:kv_cache_usage_perc` in recent versions and `vllm:gpu_cache_usage_perc` before; both are a 0-1 ratio.
 */
export function parseVllmMetrics(text: string): VllmMetrics | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(vllm:[a-z_]+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    values.set(m[1]!, (values.get(m[1]!) ?? 0) + value);
  }
  const running = values.get('vllm:num_requests_running');
  const waiting = values.get('vllm:num_requests_waiting');
  if (running === undefined || waiting === undefined) return undefined;
  const kv = values.get('vllm:kv_cache_usage_perc') ?? values.get('vllm:gpu_cache_usage_perc') ?? 0;
  return { running, waiting, kvCacheUsage: kv };
}
