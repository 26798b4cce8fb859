import { describe, expect, it } from '@jest/globals';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import type { DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import { AI_SECRETS, exampleSecrets, STATUS_DOCUMENT, localModelAdmission } from '../../testing/ai-gateway-fixtures.js';
import { decodeAiGateway } from './decode.js';
import { parseDataPlaneStatus } from './data-plane-status.js';
import { aiGatewayPaths } from './paths.js';
import { aiGatewayConditions, aiGatewayDetails, aiGatewayWarnings } from './status.js';
import type { AiGatewayDesired, AiGatewayObserved } from './types.js';

function desiredFromExample(): DesiredState<AiGatewayDesired> {
  const snapshot = {
    kind: 'AiGateway',
    resources: [{ name: 'default', generation: 9, value: JSON.stringify(aiGatewayKind.example.spec) }],
    related: { Secret: exampleSecrets() },
  };
  const d = decodeAiGateway(snapshot, {
    paths: aiGatewayPaths('/var/lib/csgw'),
    vpcCidrs: [],
    localModels: localModelAdmission(),
  });
  if (!d.ok) throw new Error(d.errors.join('; '));
  return d.desired;
}

const desired = desiredFromExample();
const hash = desired.spec.revision!.hash;
const crashes = { recent: 0, windowSeconds: 60, loop: false };
const running: DaemonObservation = {
  phase: 'running',
  pid: 4242,
  since: '2026-12-04T16:00:00.000Z',
  installedHash: hash,
  running: { hash, generation: 9 },
  crashes,
};
const withStatus: AiGatewayObserved = { daemon: running, dataPlane: parseDataPlaneStatus(STATUS_DOCUMENT) };

describe('aiGatewayDetails', () => {
  it('shows what runs, where it listens, the Secrets by name and the data plane view', () => {
    expect(aiGatewayDetails(desired, withStatus)).toEqual({
      enabled: true,
      phase: 'running',
      listening: '0.0.0.0:8090',
      running: { generation: 9, hash, pid: 4242, since: '2026-12-04T16:00:00.000Z' },
      installedHash: hash,
      secrets: [
        { name: 'ai-gateway-keys', generation: 6, keys: ['team-search', 'batch'] },
        { name: 'ai-providers', generation: 4, keys: ['openai', 'anthropic'] },
      ],
      configHash: 'c0ffee',
      auth: { mode: 'keys', keys: 2 },
      models: [{ name: 'gpt-4o', kind: 'chat', targets: ['openai/gpt-4o-2024-08-06'] }],
      providers: STATUS_DOCUMENT.providers,
      cache: STATUS_DOCUMENT.cache,
      semanticCache: STATUS_DOCUMENT.semanticCache,
      localModels: STATUS_DOCUMENT.localModels,
      requests: STATUS_DOCUMENT.requests,
      counters: {
        requests: 40,
        requestsPerSecond: 1.5,
        inFlight: 2,
        cacheEntries: 12,
        cacheBytes: 40960,
        cacheHits: 30,
        cacheMisses: 10,
        cacheHitRatio: 0.75,
        unhealthyProviders: 1,
        semanticEntries: 5,
        'local/llama.inFlight': 1,
        'local/llama.queued': 0,
      },
      crashes: { recent: 0 },
    });
  });

  it('holds no secret value, nor the rendered config, whatever the phase', () => {
    const config = desired.spec.revision!.files[0]!.content;
    const observations: AiGatewayObserved[] = [
      withStatus,
      { daemon: { ...running, phase: 'starting' }, dataPlaneError: 'GET http://127.0.0.1:8091/status: refused' },
      {
        daemon: { ...running, lastCheckError: 'rejected', installedHash: 'old', failed: { hash, error: 'not ready' } },
      },
    ];
    for (const o of observations) {
      const text = JSON.stringify(aiGatewayDetails(desired, o));
      for (const value of Object.values(AI_SECRETS)) expect(text).not.toContain(value);
      expect(text).not.toContain(config.slice(0, 40));
    }
  });

  it('says where the desired revision listens while /status is unreadable, and why', () => {
    const details = aiGatewayDetails(desired, { daemon: running, dataPlaneError: 'GET x: not JSON' });
    expect(details).toMatchObject({ listening: '0.0.0.0:8090', dataPlaneError: 'GET x: not JSON' });
    expect(details).not.toHaveProperty('counters');
  });

  it('shows why the desired revision does not run', () => {
    const refused = { ...running, lastCheckError: 'spec.models: bad', installedHash: 'old', running: { hash: 'old' } };
    expect(aiGatewayDetails(desired, { daemon: refused })).toMatchObject({ lastValidationError: 'spec.models: bad' });
    expect(aiGatewayDetails(desired, { daemon: refused })).not.toHaveProperty('listening');
  });

  it('shows only the phase when disabled', () => {
    const off = { spec: { enabled: false, sources: { secrets: [] }, localProblems: [] } };
    expect(aiGatewayDetails(off, { daemon: { phase: 'stopped', crashes } })).toEqual({
      enabled: false,
      phase: 'stopped',
    });
  });
});

describe('aiGatewayWarnings', () => {
  it('is Degraded ProviderUnhealthy for each provider whose last call failed, naming the error code', () => {
    expect(aiGatewayWarnings(desired, withStatus)).toEqual([
      {
        reason: 'ProviderUnhealthy',
        message: 'provider anthropic (anthropic): last call failed with rate_limit_exceeded: upstream answered 429',
      },
    ]);
  });

  it('has nothing to say when all are healthy, nothing is known, or the gateway is off', () => {
    const healthy = { ...withStatus, dataPlane: { ...withStatus.dataPlane!, providers: [] } };
    expect(aiGatewayWarnings(desired, healthy)).toEqual([]);
    expect(aiGatewayWarnings(desired, { daemon: running })).toEqual([]);
    expect(
      aiGatewayWarnings({ spec: { enabled: false, sources: { secrets: [] }, localProblems: [] } }, withStatus),
    ).toEqual([]);
  });
});

describe('aiGatewayConditions', () => {
  it("are the kit's: Ready=False while the gateway does not serve, named ai-gateway", () => {
    expect(aiGatewayConditions(desired, { daemon: { phase: 'stopped', crashes } })).toContainEqual({
      type: 'Ready',
      status: 'False',
      reason: 'DaemonStopped',
      message: 'ai-gateway is not running',
    });
    expect(aiGatewayConditions(desired, withStatus).map((c) => c.type)).toEqual(['CrashLoop']);
  });
});
