import type { CommandRunner } from '../../runtime/ports.js';
import type { DaemonDefinition, HealthResult, RunningConfig } from '../../runtime/daemon/types.js';
import type { ProxyPaths } from './paths.js';

export const SQUID = 'squid';
export const SQUID_CONFIG = 'squid.conf';

/** Lines squid prints on every parse in a container without IPv6 loopback: not the user's problem. */
const NOISE = /BCP 177|IPv6 has not been enabled|Not currently OK to rewrite swap log|storeDirWriteCleanLogs/;
const PROBLEM = /FATAL|ERROR|unrecognized|Bungled|WARNING/;

/** Squid under the daemon supervisor: foreground (-N), `-k parse` as the check, `-k reconfigure` as the reload. */
export function squidDaemon(paths: ProxyPaths): DaemonDefinition {
  return {
    name: SQUID,
    configFile: SQUID_CONFIG,
    writableDirs: [paths.cacheDir, paths.logDir, paths.runDir],
    runArgs: (config) => [SQUID, '-N', '-f', config],
    checkArgs: (config) => [SQUID, '-k', 'parse', '-f', config],
    checkErrors,
    reloadArgs: (config) => [SQUID, '-k', 'reconfigure', '-f', config],
    // Creates the swap directories a new or grown cache_dir needs; quick when they exist.
    prepareArgs: (config) => [SQUID, '-z', '-N', '-f', config],
    health: squidHealth,
  };
}

/** The problem lines of `squid -k parse` output, without their timestamps. */
export function checkErrors(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\|\s*/, '').trim())
    .filter((l) => PROBLEM.test(l) && !NOISE.test(l))
    .slice(0, 10);
}

/**
 * Asks the cache manager for its info page, as a local client: proves squid listens on its port and answers HTTP
 * (squid.conf lets localhost reach the manager before any authentication; these requests are not logged).
 */
async function squidHealth(runner: CommandRunner, running: RunningConfig, signal: AbortSignal): Promise<HealthResult> {
  const target = running.healthTarget ?? '127.0.0.1:3128';
  const url = `http://${target}/squid-internal-mgr/info`;
  // From 127.0.0.1 even to another local address: squid.conf lets only localhost reach the cache manager.
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', '--noproxy', '*'];
  args.push('--interface', '127.0.0.1', url);
  const result = await runner.run('curl', args, { signal });
  const code = result.stdout.trim();
  return code === '200'
    ? { ok: true, message: `answering on ${target}` }
    : { ok: false, message: `no answer on ${target} (curl exit ${result.exitCode}, HTTP ${code || 'none'})` };
}
