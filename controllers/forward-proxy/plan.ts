import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation, RunningConfig } from '../../runtime/daemon/types.js';
import type { ForwardProxyAction, ForwardProxyDesired, ForwardProxyObserved, ProxyRevision } from './types.js';

/** Past this size the access log is rotated (squid reopens it; the operator has counted every line). */
export const ACCESS_LOG_ROTATE_BYTES = 64 * 1024 * 1024;

/**
 * What to do to run the desired revision. Pure. A daemon in crash back-off or still starting is left to the
 * supervisor (it restarts crashed daemons itself), unless a new revision has to go live.
 */
export function planForwardProxy(
  desired: DesiredState<ForwardProxyDesired>,
  observed: ForwardProxyObserved,
): ForwardProxyAction[] {
  const { daemon } = observed;
  const revision = desired.spec.revision;
  if (!desired.spec.enabled || !revision) return planDisabled(daemon);
  // Inert: nothing to retry soon on a host without squid; the probe runs again on the slow retry.
  if (observed.unavailable) throw new ControllerError(observed.unavailable.reason, observed.unavailable.message, true);
  const install: ForwardProxyAction[] = daemon.installedHash === revision.hash ? [] : [{ type: 'install', revision }];
  // After the process actions: a squid started by them opens the fresh log, a running one reopens it.
  const rotate: ForwardProxyAction[] =
    observed.accessLogBytes > ACCESS_LOG_ROTATE_BYTES ? [{ type: 'rotateLogs' }] : [];
  return [...install, ...planProcess(daemon, revision, runningConfig(desired, revision)), ...rotate];
}

function planDisabled(daemon: DaemonObservation): ForwardProxyAction[] {
  return [
    ...(daemon.phase === 'stopped' ? [] : [{ type: 'stop' } as const]),
    ...(daemon.installedHash ? [{ type: 'uninstall' } as const] : []),
  ];
}

function runningConfig(desired: DesiredState<ForwardProxyDesired>, revision: ProxyRevision): RunningConfig {
  return {
    hash: revision.hash,
    restartKey: revision.restartKey,
    healthTarget: revision.healthTarget,
    ...(desired.generation !== undefined ? { generation: desired.generation } : {}),
  };
}

function planProcess(daemon: DaemonObservation, revision: ProxyRevision, config: RunningConfig): ForwardProxyAction[] {
  const current = daemon.running?.hash === revision.hash;
  switch (daemon.phase) {
    case 'stopped':
      return [{ type: 'start', config }];
    case 'backoff':
      // The supervisor restarts it on the installed revision; only a new revision is worth starting early for.
      return daemon.installedHash === revision.hash ? [] : [{ type: 'start', config }];
    case 'starting':
      return current ? [] : [{ type: 'restart', config, why: 'a new revision while starting' }];
    case 'unhealthy':
      return [{ type: 'restart', config, why: daemon.health?.message ?? 'not answering' }];
    case 'running':
      if (current) return [];
      return daemon.running?.restartKey === revision.restartKey
        ? [{ type: 'reload', config }]
        : [{ type: 'restart', config, why: 'the cache directory, user or pid file changed' }];
  }
}

export function describeAction(action: ForwardProxyAction): string {
  switch (action.type) {
    case 'install':
      return `install config revision ${action.revision.hash} (checked with squid -k parse first)`;
    case 'start':
      return `start squid (revision ${action.config.hash})`;
    case 'reload':
      return `reload squid onto revision ${action.config.hash} (squid -k reconfigure)`;
    case 'restart':
      return `restart squid: ${action.why}`;
    case 'stop':
      return 'stop squid';
    case 'uninstall':
      return 'remove squid config revisions';
    case 'rotateLogs':
      return 'rotate the access log';
  }
}
