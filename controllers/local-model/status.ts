import type { ConditionInput, ControllerWarning, DesiredState } from '../../runtime/controller.js';
import { daemonConditions } from '../../runtime/daemon/conditions.js';
import { daemonDetails } from '../../runtime/daemon/details.js';
import type { LocalModelDesired, LocalModelObserved, ModelObservation, ModelTarget } from './types.js';

export type ModelPhase = 'Downloading' | 'Loading' | 'Serving' | 'Failed' | 'Stopped';

/** A model's phase: its background step first, then what the kit sees of vLLM. */
export function modelPhase(m: ModelObservation | undefined): ModelPhase {
  if (!m) return 'Stopped';
  if (m.work.phase) return m.work.phase;
  switch (m.daemon.phase) {
    case 'running':
      return 'Serving';
    case 'starting':
      return 'Loading';
    case 'stopped':
      return m.work.lastError ? 'Failed' : 'Stopped';
    default:
      return 'Failed';
  }
}

/** Per model: endpoint, phase, the kit's details, the last sync, vLLM's gauges. Numbers also go to counters. */
export function localModelDetails(
  desired: DesiredState<LocalModelDesired>,
  observed: LocalModelObserved,
): Record<string, unknown> {
  const counters: Record<string, number> = {};
  const models = desired.spec.models.map((t) => {
    const m = observed.models.find((o) => o.name === t.name);
    const phase = modelPhase(m);
    counters[`${t.name}.serving`] = phase === 'Serving' ? 1 : 0;
    if (m?.metrics) {
      counters[`${t.name}.requestsRunning`] = m.metrics.running;
      counters[`${t.name}.requestsWaiting`] = m.metrics.waiting;
      counters[`${t.name}.kvCacheUsage`] = m.metrics.kvCacheUsage;
    }
    return {
      name: t.name,
      endpoint: `local/${t.servedName}`,
      listen: `127.0.0.1:${t.port}`,
      phase,
      ...(m?.work.since ? { phaseSince: m.work.since } : {}),
      ...(m?.work.weights ? { weights: m.work.weights } : {}),
      ...(m?.metrics ? { vllm: m.metrics } : {}),
      ...(m?.work.lastError ? { lastError: m.work.lastError } : {}),
      ...(m ? daemonDetails(m.daemon, t.revision.hash) : {}),
    };
  });
  return { gpu: observed.gpu, models, counters };
}

/** Ready=False while a wanted model is not serving (the first such names the reason); CrashLoop from the kit. */
export function localModelConditions(
  desired: DesiredState<LocalModelDesired>,
  observed: LocalModelObserved,
): ConditionInput[] {
  const conditions: ConditionInput[] = [];
  let crashLoop: ConditionInput | undefined;
  let rolledBack: ConditionInput | undefined;
  for (const t of desired.spec.models) {
    const m = observed.models.find((o) => o.name === t.name);
    const kit = m ? daemonConditions(`vLLM of ${t.name}`, t.revision, m.daemon) : [];
    crashLoop ??= kit.find((c) => c.type === 'CrashLoop' && c.status === 'True');
    // A new revision that never became ready, with the previous one serving again.
    const degraded = kit.find((c) => c.type === 'Degraded' && c.status === 'True');
    rolledBack ??= degraded && { ...degraded, message: `${t.name}: ${degraded.message}` };
    if (conditions.some((c) => c.type === 'Ready')) continue;
    const notReady = readiness(t, m, kit);
    if (notReady) conditions.push(notReady);
  }
  return [...conditions, ...(rolledBack ? [rolledBack] : []), ...(crashLoop ? [crashLoop] : [])];
}

function readiness(t: ModelTarget, m: ModelObservation | undefined, kit: ConditionInput[]): ConditionInput | undefined {
  const phase = modelPhase(m);
  if (phase === 'Serving') return undefined;
  if (m?.work.lastError && phase !== 'Downloading' && phase !== 'Loading')
    return {
      type: 'Ready',
      status: 'False',
      reason: m.work.lastError.reason,
      message: `${t.name}: ${m.work.lastError.message}`,
    };
  if (phase === 'Downloading' || phase === 'Loading')
    return {
      type: 'Ready',
      status: 'False',
      reason: phase,
      message: `${t.name}: ${phase.toLowerCase()} since ${m?.work.since ?? 'now'}`,
    };
  const kitReady = kit.find((c) => c.type === 'Ready' && c.status === 'False');
  return kitReady ? { ...kitReady, message: `${t.name}: ${kitReady.message}` } : undefined;
}

/** A spill with no fallback rejects instead (said here and in the docs); a sync that failed over weights on disk. */
export function localModelWarnings(
  desired: DesiredState<LocalModelDesired>,
  observed: LocalModelObserved,
): ControllerWarning[] {
  const notes = desired.spec.models.flatMap((m) => m.notes.map((n) => ({ ...n, resource: m.name })));
  const syncs = observed.models.flatMap((m) =>
    m.work.syncWarning
      ? [{ reason: 'WeightsSyncFailed', message: `${m.name}: ${m.work.syncWarning}`, resource: m.name }]
      : [],
  );
  return [...notes, ...syncs];
}
