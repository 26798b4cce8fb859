import type { DesiredState } from '../../runtime/controller.js';
import { describeDaemonAction, planDaemon } from '../../runtime/daemon/plan.js';
import { VLLM } from './daemon.js';
import type {
  LocalModelAction,
  LocalModelDesired,
  LocalModelObserved,
  ModelObservation,
  ModelTarget,
} from './types.js';

const STOPPED: ModelObservation['daemon'] = { phase: 'stopped', crashes: { recent: 0, windowSeconds: 0, loop: false } };

/**
 * Per model, the kit's plan; weights are synced before any start. A model busy with a step (syncing, loading) or
 * backing off after a failed one gets nothing new until that ends. Models no longer wanted are removed. Pure.
 */
export function planLocalModels(
  desired: DesiredState<LocalModelDesired>,
  observed: LocalModelObserved,
): LocalModelAction[] {
  const byName = new Map(observed.models.map((m) => [m.name, m]));
  const actions: LocalModelAction[] = [];
  for (const target of desired.spec.models) {
    const seen = byName.get(target.name);
    if (seen && waits(seen, target)) continue;
    const steps = planDaemon(target.revision, seen?.daemon ?? STOPPED);
    if (steps.length === 0) continue;
    const starts = steps.some((s) => s.type === 'start' || s.type === 'restart');
    actions.push({ type: 'run', model: target.name, ...(starts && target.sync ? { sync: target.sync } : {}), steps });
  }
  const wanted = new Set(desired.spec.models.map((m) => m.name));
  // A model no longer wanted is removed even while it loads (the fleet stops the load): it must not hold its GPU.
  for (const m of observed.models) if (!wanted.has(m.name)) actions.push({ type: 'remove', model: m.name });
  return actions;
}

/** Busy putting this revision live, or backing off after a failed step: nothing new. Another revision goes ahead. */
function waits(seen: ModelObservation, target: ModelTarget): boolean {
  const { phase, target: busyWith, retryPending } = seen.work;
  return phase === undefined ? retryPending : busyWith === target.revision.hash;
}

export function describeLocalModelAction(action: LocalModelAction): string {
  if (action.type === 'remove') return `${action.model}: stop vLLM and remove its revisions`;
  const sync = action.sync ? [`sync weights from ${action.sync.uri} to ${action.sync.dir}`] : [];
  const steps = action.steps.map((s) => describeDaemonAction(VLLM, s));
  return `${action.model}: ${[...sync, ...steps].join('; then ')}`;
}
