import { join } from 'node:path';

/** Where HAProxy's files live under the operator's daemon directory (default /var/lib/csgw). */
export interface HaproxyPaths {
  /** Config revisions and the `current` link (runtime/daemon/revisions.ts). */
  configRoot: string;
  /** One PEM per TlsTermination (certificate, chain, key; 0600), outside the revisions. */
  certDir: string;
  /** The supervisor's state, HAProxy's output and its sockets. */
  runDir: string;
  /** The runtime API at level admin (certificate swaps). */
  adminSocket: string;
  /** The master CLI (reload status, worker list). */
  masterSocket: string;
}

export function haproxyPaths(daemonDir: string): HaproxyPaths {
  const root = join(daemonDir, 'haproxy');
  const runDir = join(root, 'run');
  return {
    configRoot: join(root, 'config'),
    certDir: join(root, 'certs'),
    runDir,
    adminSocket: join(runDir, 'admin.sock'),
    masterSocket: join(runDir, 'master.sock'),
  };
}
