import { join } from 'node:path';

/** Where Suricata's files live under the operator's daemon directory (default /var/lib/csgw). */
export interface IpsPaths {
  /** Config revisions and the `current` link (runtime/daemon/revisions.ts). */
  configRoot: string;
  /** eve.json and suricata.log. */
  logDir: string;
  /** The unix command socket, the supervisor's state and Suricata's own output. */
  runDir: string;
  eveLog: string;
  suricataLog: string;
  socket: string;
}

export function ipsPaths(daemonDir: string): IpsPaths {
  const root = join(daemonDir, 'suricata');
  const logDir = join(root, 'logs');
  const runDir = join(root, 'run');
  return {
    configRoot: join(root, 'config'),
    logDir,
    runDir,
    eveLog: join(logDir, 'eve.json'),
    suricataLog: join(logDir, 'suricata.log'),
    socket: join(runDir, 'suricata.socket'),
  };
}
