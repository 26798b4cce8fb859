import { join } from 'node:path';

/** Where the AI gateway's files live under the operator's daemon directory (default /var/lib/csgw). */
export interface AiGatewayPaths {
  /** Config revisions and the `current` link (runtime/daemon/revisions.ts). */
  configRoot: string;
  /** The exact-match cache's persistent store. */
  cacheDir: string;
  /** The semantic cache's vector index (its answers live in the exact cache). */
  semanticDir: string;
  /** The audit log and its rotated files. */
  auditDir: string;
  auditLog: string;
  /** Persisted usage counters. */
  stateDir: string;
  meteringState: string;
  /** The supervisor's state and the process's own output. */
  runDir: string;
}

export function aiGatewayPaths(daemonDir: string): AiGatewayPaths {
  const root = join(daemonDir, 'ai-gateway');
  const auditDir = join(root, 'audit');
  const stateDir = join(root, 'state');
  return {
    configRoot: join(root, 'config'),
    cacheDir: join(root, 'cache'),
    semanticDir: join(root, 'semantic'),
    auditDir,
    auditLog: join(auditDir, 'audit.log'),
    stateDir,
    meteringState: join(stateDir, 'metering.json'),
    runDir: join(root, 'run'),
  };
}
