import type { ConditionInput, ControllerWarning, DesiredState } from '../../runtime/controller.js';
import { daemonConditions } from '../../runtime/daemon/conditions.js';
import { daemonDetails } from '../../runtime/daemon/details.js';
import { AI_GATEWAY } from './daemon.js';
import type { DataPlaneStatus } from './data-plane-status.js';
import { desiredRevision } from './plan.js';
import type { AiGatewayDesired, AiGatewayObserved } from './types.js';

/**
 * Status details: what runs (generation, revision hash, pid), where it listens, the Secrets it was rendered from (by
 * name and generation), and the data plane's own view: models and their targets, provider health, cache, requests.
 * Numbers also go to `counters` (exported as csgw_controller_counter). Never a secret value: the data plane's
 * /status holds none, and only the fields parsed from it are shown.
 */
export function aiGatewayDetails(
  desired: DesiredState<AiGatewayDesired>,
  observed: AiGatewayObserved,
): Record<string, unknown> {
  const { daemon, dataPlane } = observed;
  const { revision, sources } = desired.spec;
  if (!desired.spec.enabled) return { enabled: false, phase: daemon.phase };
  const listening = listeningOn(observed, revision?.hash === daemon.running?.hash ? revision?.listen : undefined);
  return {
    enabled: true,
    phase: daemon.phase,
    ...(listening ? { listening } : {}),
    secrets: sources.secrets,
    ...(dataPlane ? dataPlaneDetails(dataPlane) : {}),
    ...(observed.dataPlaneError ? { dataPlaneError: observed.dataPlaneError } : {}),
    ...daemonDetails(daemon, revision?.hash),
  };
}

/** What the data plane says it listens on; else, while it runs the desired revision, where that one listens. */
function listeningOn({ daemon, dataPlane }: AiGatewayObserved, desired: string | undefined): string | undefined {
  if (dataPlane?.listening) return `${dataPlane.listening.host}:${dataPlane.listening.port}`;
  return daemon.phase === 'running' ? desired : undefined;
}

function dataPlaneDetails(s: DataPlaneStatus): Record<string, unknown> {
  return {
    ...(s.configHash ? { configHash: s.configHash } : {}),
    ...(s.auth ? { auth: s.auth } : {}),
    models: s.models.map((m) => ({ name: m.name, kind: m.kind, targets: m.targets.map(targetName) })),
    providers: s.providers,
    ...(s.cache ? { cache: s.cache } : {}),
    ...(s.semanticCache ? { semanticCache: s.semanticCache } : {}),
    ...(s.localModels.length > 0 ? { localModels: s.localModels } : {}),
    ...(s.requests ? { requests: s.requests } : {}),
    counters: counters(s),
  };
}

const targetName = (t: { provider: string; model: string }): string => `${t.provider}/${t.model}`;

function counters(s: DataPlaneStatus): Record<string, number> {
  return {
    ...(s.requests
      ? { requests: s.requests.total, requestsPerSecond: s.requests.perSecond, inFlight: s.requests.inFlight }
      : {}),
    ...(s.cache
      ? {
          cacheEntries: s.cache.entries,
          cacheBytes: s.cache.bytes,
          cacheHits: s.cache.hits,
          cacheMisses: s.cache.misses,
          cacheHitRatio: s.cache.hitRatio,
        }
      : {}),
    unhealthyProviders: s.providers.filter((p) => !p.healthy).length,
    ...(s.semanticCache ? { semanticEntries: s.semanticCache.entries } : {}),
    ...Object.fromEntries(
      s.localModels.flatMap((m) => [
        [`${m.name}.inFlight`, m.running],
        [`${m.name}.queued`, m.queued],
      ]),
    ),
  };
}

/**
 * Degraded ProviderUnhealthy while a provider's last call failed: the gateway serves, a provider does not. A warning
 * rather than a condition, so a rejected generation's Degraded InvalidSpec still wins (runtime/status-hub.ts).
 */
export function aiGatewayWarnings(
  desired: DesiredState<AiGatewayDesired>,
  observed: AiGatewayObserved,
): ControllerWarning[] {
  if (!desired.spec.enabled) return [];
  const local = desired.spec.localProblems.map((p) => ({
    reason: p.reason,
    message: `LocalModel/${p.resource}: ${p.message}`,
  }));
  const providers = (observed.dataPlane?.providers ?? [])
    .filter((p) => !p.healthy)
    .map((p) => ({
      reason: 'ProviderUnhealthy',
      message: `provider ${p.name} (${p.type}): last call failed${p.lastError ? ` with ${p.lastError.code}: ${p.lastError.message}` : ''}`,
    }));
  return [...local, ...providers];
}

/** The kit's conditions: CrashLoop, Ready=False while enabled but not serving, Degraded RolledBack. */
export function aiGatewayConditions(
  desired: DesiredState<AiGatewayDesired>,
  observed: AiGatewayObserved,
): ConditionInput[] {
  return daemonConditions(AI_GATEWAY, desiredRevision(desired), observed.daemon);
}
