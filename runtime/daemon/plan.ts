import type { DaemonObservation, DaemonRevision, FailedRevision, RunningConfig } from './types.js';

/** One step of running a daemon; apply gets no desired state, so each carries what it needs. */
export type DaemonAction =
  | { type: 'install'; revision: DaemonRevision }
  /** Points `current` back at a kept revision that ran healthy (its files were checked when it was installed). */
  | { type: 'activate'; hash: string; failed: FailedRevision }
  | { type: 'start'; config: RunningConfig }
  | { type: 'reload'; config: RunningConfig }
  | { type: 'restart'; config: RunningConfig; why: string }
  | { type: 'stop' }
  | { type: 'uninstall' };

/**
 * What to do to run `desired` (undefined: the daemon is not wanted). Pure. A revision that never became ready is
 * not retried while it is still the one desired: the last revision that ran healthy runs instead (a roll back). A
 * daemon in crash back-off or still starting is left to the supervisor, unless another revision has to go live.
 */
export function planDaemon(desired: DaemonRevision | undefined, daemon: DaemonObservation): DaemonAction[] {
  if (!desired) return planStopped(daemon);
  const rollback = rollbackTarget(desired, daemon);
  if (rollback) {
    const activate: DaemonAction[] =
      daemon.installedHash === rollback.hash ? [] : [{ type: 'activate', hash: rollback.hash, failed: daemon.failed! }];
    // A process on the failed revision fails that revision's probe: it is not hung, a reload can still move it back.
    const onFailed =
      daemon.running?.hash === desired.hash && (daemon.phase === 'unhealthy' || daemon.phase === 'starting');
    const process = onFailed ? { ...daemon, phase: 'running' as const } : daemon;
    return [...activate, ...planProcess(process, rollback, 'the revision rolled back to')];
  }
  const install: DaemonAction[] = daemon.installedHash === desired.hash ? [] : [{ type: 'install', revision: desired }];
  return [...install, ...planProcess(daemon, runningConfig(desired), 'a new revision')];
}

/**
 * The revision to run instead of `desired`, when `desired` failed to become ready and a different one ran healthy
 * before it. None when there is nothing better to run: the failed revision is then retried with back-off.
 */
export function rollbackTarget(desired: DaemonRevision, daemon: DaemonObservation): RunningConfig | undefined {
  const { failed, healthy } = daemon;
  if (failed?.hash !== desired.hash || !healthy || healthy.hash === desired.hash) return undefined;
  return healthy;
}

/** The part of a revision that describes the running process. */
export function runningConfig(r: RunningConfig): RunningConfig {
  const { hash, generation, restartKey, args, ready, listens } = r;
  return {
    hash,
    ...(generation !== undefined ? { generation } : {}),
    ...(restartKey !== undefined ? { restartKey } : {}),
    ...(args !== undefined ? { args } : {}),
    ...(ready !== undefined ? { ready } : {}),
    ...(listens !== undefined ? { listens } : {}),
  };
}

function planStopped(daemon: DaemonObservation): DaemonAction[] {
  return [
    ...(daemon.phase === 'stopped' ? [] : [{ type: 'stop' } as const]),
    ...(daemon.installedHash ? [{ type: 'uninstall' } as const] : []),
  ];
}

function planProcess(daemon: DaemonObservation, config: RunningConfig, change: string): DaemonAction[] {
  // The same files with other start arguments (a crash restart onto a revision installed by an interrupted pass) is
  // not the revision wanted.
  const current = daemon.running?.hash === config.hash && sameStartArgs(daemon.running, config);
  switch (daemon.phase) {
    case 'stopped':
      return [{ type: 'start', config }];
    case 'backoff':
      // The supervisor restarts it on the installed revision; only another revision is worth starting early for.
      return daemon.installedHash === config.hash ? [] : [{ type: 'start', config }];
    case 'starting':
      return current ? [] : [{ type: 'restart', config, why: `${change} while starting` }];
    case 'unhealthy':
      return [{ type: 'restart', config, why: daemon.health?.message ?? 'not answering' }];
    case 'running':
      if (current) return [];
      return reloadable(daemon.running, config)
        ? [{ type: 'reload', config }]
        : [{ type: 'restart', config, why: `${change} a reload cannot take` }];
  }
}

/** A reload can take `next` when neither its restart key nor its start arguments changed. */
function reloadable(running: RunningConfig | undefined, next: RunningConfig): boolean {
  return running?.restartKey === next.restartKey && sameStartArgs(running, next);
}

/** Both configs start the daemon with the same arguments after its start command. */
export function sameStartArgs(a: RunningConfig | undefined, b: RunningConfig): boolean {
  const [x, y] = [a?.args ?? [], b.args ?? []];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** One line per action, for logs and `csgw diff`; never file contents. */
export function describeDaemonAction(name: string, action: DaemonAction): string {
  switch (action.type) {
    case 'install':
      return `install ${name} config revision ${action.revision.hash} (checked first)`;
    case 'activate':
      return `roll ${name} back to revision ${action.hash}: revision ${action.failed.hash} never became ready`;
    case 'start':
      return `start ${name} (revision ${action.config.hash})`;
    case 'reload':
      return `reload ${name} onto revision ${action.config.hash}`;
    case 'restart':
      return `restart ${name} (revision ${action.config.hash}): ${action.why}`;
    case 'stop':
      return `stop ${name}`;
    case 'uninstall':
      return `remove ${name} config revisions`;
  }
}
