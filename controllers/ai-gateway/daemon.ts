import { defineDaemon, type DaemonDefinition, type ReadinessProbe } from '../../runtime/daemon/definition.js';
import type { AiGatewayPaths } from './paths.js';

export const AI_GATEWAY = 'ai-gateway';
export const AI_GATEWAY_CONFIG = 'ai-gateway.json';
/** The data plane's own account, when the host has it; else it runs as the operator's. */
export const AI_GATEWAY_USER = 'csgw-ai';

/**
 * The data plane for the daemon kit: csgw itself (`self` is the argv that runs it) in the foreground. Its own
 * `--check` validates a candidate before it goes live; SIGHUP reloads it hitlessly (streams in flight finish on the
 * old config); it rotates its audit log itself. The kit starts it as its user (it binds no privileged port). With
 * `onShutdown: 'keep'` (--keep-daemons) an operator restart or upgrade does not cut AI traffic: the next operator
 * adopts the process.
 */
export function aiGatewayDaemon(
  paths: AiGatewayPaths,
  self: readonly string[],
  user: string | undefined,
  onShutdown: 'stop' | 'keep',
): DaemonDefinition {
  return defineDaemon({
    name: AI_GATEWAY,
    configFile: AI_GATEWAY_CONFIG,
    start: [...self, AI_GATEWAY, '--config', '{config}'],
    check: [...self, AI_GATEWAY, '--check', '--config', '{config}'],
    reload: { signal: 'SIGHUP' },
    readiness: { initialDelayMs: 0, periodMs: 100, timeoutMs: 15_000 },
    writableDirs: [paths.cacheDir, paths.semanticDir, paths.auditDir, paths.stateDir, paths.runDir],
    ...(user ? { user: { name: user, switchesItself: false } } : {}),
    onShutdown,
  });
}

/** The admin API's /healthz, on loopback (the admin port listens nowhere else). */
export function aiGatewayReadiness(adminPort: number): ReadinessProbe {
  return { http: { url: `http://127.0.0.1:${adminPort}/healthz` } };
}

/** The data plane's /status, on the same admin API as the readiness probe the running revision was started with. */
export function statusUrl(ready: ReadinessProbe | undefined): string | undefined {
  return ready && 'http' in ready ? new URL('/status', ready.http.url).href : undefined;
}
