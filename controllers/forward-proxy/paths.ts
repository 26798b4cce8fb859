import { join } from 'node:path';

/** Where the proxy's files live under the operator's daemon directory (default /var/lib/csgw). */
export interface ProxyPaths {
  /** Config revisions and the `current` link (runtime/daemon/revisions.ts). */
  configRoot: string;
  cacheDir: string;
  logDir: string;
  /** squid.pid, the supervisor's state and squid's own output. */
  runDir: string;
  accessLog: string;
  cacheLog: string;
  pidFile: string;
}

export function proxyPaths(daemonDir: string): ProxyPaths {
  const root = join(daemonDir, 'squid');
  const logDir = join(root, 'logs');
  const runDir = join(root, 'run');
  return {
    configRoot: join(root, 'config'),
    cacheDir: join(root, 'cache'),
    logDir,
    runDir,
    accessLog: join(logDir, 'access.log'),
    cacheLog: join(logDir, 'cache.log'),
    pidFile: join(runDir, 'squid.pid'),
  };
}
