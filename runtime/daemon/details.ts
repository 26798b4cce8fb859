import type { DaemonObservation } from './types.js';

/**
 * The kit's part of a daemon controller's status details: what runs (generation, revision hash, pid, since), the
 * installed revision, recent crashes, and why the desired revision does not run: its refusal (check or pre-flight),
 * only while it is not the installed one (the spec may have moved back), or its failure to become ready.
 */
export function daemonDetails(daemon: DaemonObservation, desiredHash: string | undefined): Record<string, unknown> {
  const { running, crashes } = daemon;
  return {
    ...(running
      ? { running: { generation: running.generation, hash: running.hash, pid: daemon.pid, since: daemon.since } }
      : {}),
    ...(daemon.installedHash ? { installedHash: daemon.installedHash } : {}),
    crashes: { recent: crashes.recent, ...(crashes.lastExit ? { lastExit: crashes.lastExit } : {}) },
    ...(daemon.lastCheckError && daemon.installedHash !== desiredHash
      ? { lastValidationError: daemon.lastCheckError }
      : {}),
    ...(daemon.failed && daemon.failed.hash === desiredHash ? { failedRevision: daemon.failed } : {}),
  };
}
