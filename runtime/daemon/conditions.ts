import type { ConditionInput } from '../controller.js';
import { rollbackTarget } from './plan.js';
import type { DaemonObservation, DaemonRevision } from './types.js';

/**
 * The conditions of a supervised daemon, for the controller's conditions() hook: CrashLoop always; while it is
 * wanted, Ready=False when it does not serve, and Degraded=True RolledBack (with Ready=True on the revision it
 * fell back to) while the desired revision is the one that failed.
 */
export function daemonConditions(
  name: string,
  desired: DaemonRevision | undefined,
  daemon: DaemonObservation,
): ConditionInput[] {
  const conditions = [crashLoop(name, daemon)];
  if (!desired) return conditions;
  if (daemon.phase !== 'running') return [...conditions, notServing(name, daemon)];
  const fallback = rollbackTarget(desired, daemon);
  if (!fallback || daemon.running?.hash !== fallback.hash) return conditions;
  const failed = daemon.failed!;
  const kept = `revision ${fallback.hash} (generation ${fallback.generation ?? '?'})`;
  const message =
    `revision ${failed.hash} (generation ${failed.generation ?? '?'}) did not become ready and was rolled back; ` +
    `${kept} keeps serving: ${failed.error}`;
  return [
    ...conditions,
    { type: 'Degraded', status: 'True', reason: 'RolledBack', message },
    { type: 'Ready', status: 'True', reason: 'RolledBack', message: `${name} serves ${kept}` },
  ];
}

function crashLoop(name: string, daemon: DaemonObservation): ConditionInput {
  const { recent, windowSeconds, loop, lastExit, restartAt } = daemon.crashes;
  const within = `within ${windowSeconds} s`;
  if (!loop) return { type: 'CrashLoop', status: 'False', reason: 'Stable', message: `${recent} crash(es) ${within}` };
  const next = restartAt ? `; next restart at ${restartAt}` : '';
  return {
    type: 'CrashLoop',
    status: 'True',
    reason: 'CrashLoop',
    message: `${name} crashed ${recent} times ${within} (last: ${lastExit ?? 'unknown'})${next}`,
  };
}

const NOT_SERVING: Record<Exclude<DaemonObservation['phase'], 'running'>, string> = {
  stopped: 'DaemonStopped',
  starting: 'DaemonStarting',
  unhealthy: 'DaemonUnhealthy',
  backoff: 'RestartBackOff',
};

function notServing(name: string, daemon: DaemonObservation): ConditionInput {
  const phase = daemon.phase === 'running' ? 'starting' : daemon.phase;
  return {
    type: 'Ready',
    status: 'False',
    reason: daemon.crashes.loop && phase === 'backoff' ? 'CrashLoopBackOff' : NOT_SERVING[phase],
    message: notServingMessage(name, daemon),
  };
}

function notServingMessage(name: string, daemon: DaemonObservation): string {
  const { lastExit, restartAt } = daemon.crashes;
  if (daemon.phase === 'backoff')
    return `${name} ${lastExit ?? 'exited'}; restarting at ${restartAt ?? 'once allowed'}`;
  if (daemon.phase === 'stopped') return `${name} is not running`;
  return daemon.health?.message ?? `${name} is ${daemon.phase}`;
}
