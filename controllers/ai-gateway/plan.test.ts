import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation, DaemonPhase } from '../../runtime/daemon/types.js';
import { describeAction, planAiGateway } from './plan.js';
import type { AiGatewayAction, AiGatewayDesired, AiGatewayObserved, AiGatewayRevision } from './types.js';

const revision = (hash: string, restartKey = 'listen 0.0.0.0:8090 admin 127.0.0.1:8091'): AiGatewayRevision => ({
  hash,
  files: [{ name: 'ai-gateway.json', content: `{"apiKey":"sk-secret-${hash}"}\n`, mode: 0o600 }],
  restartKey,
  listen: '0.0.0.0:8090',
  adminPort: 8091,
  ready: { http: { url: 'http://127.0.0.1:8091/healthz' } },
});

const enabled = (rev: AiGatewayRevision, generation = 2): DesiredState<AiGatewayDesired> => ({
  name: 'default',
  generation,
  spec: { enabled: true, revision: rev, sources: { secrets: [] }, localProblems: [] },
});
const disabled: DesiredState<AiGatewayDesired> = {
  spec: { enabled: false, sources: { secrets: [] }, localProblems: [] },
};

function observed(daemon: Partial<DaemonObservation>, extra: Partial<AiGatewayObserved> = {}): AiGatewayObserved {
  return { daemon: { phase: 'stopped', crashes: { recent: 0, windowSeconds: 60, loop: false }, ...daemon }, ...extra };
}

const types = (actions: AiGatewayAction[]): string[] => actions.map((a) => a.type);
const K1 = 'listen 0.0.0.0:8090 admin 127.0.0.1:8091';

describe('planAiGateway', () => {
  it('installs and starts from nothing, carrying the generation and the readiness probe', () => {
    const actions = planAiGateway(enabled(revision('a')), observed({}));
    expect(types(actions)).toEqual(['install', 'start']);
    expect(actions[1]).toMatchObject({
      config: { hash: 'a', generation: 2, ready: { http: { url: expect.stringContaining(':8091/healthz') } } },
    });
  });

  it('reloads onto a new revision (SIGHUP), restarts only for another listen or admin address', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a', restartKey: K1 } };
    expect(types(planAiGateway(enabled(revision('b')), observed(running)))).toEqual(['install', 'reload']);
    const moved = revision('b', 'listen 0.0.0.0:9090 admin 127.0.0.1:8091');
    expect(types(planAiGateway(enabled(moved), observed(running)))).toEqual(['install', 'restart']);
  });

  it('is not moved by what the data plane reports: an unhealthy provider or an unreadable /status', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a', restartKey: K1 } };
    const provider = { name: 'openai', type: 'openai', healthy: false };
    const sick = observed(running, { dataPlane: { models: [], providers: [provider], localModels: [] } });
    expect(planAiGateway(enabled(revision('a')), sick)).toEqual([]);
    expect(planAiGateway(enabled(revision('a')), observed(running, { dataPlaneError: 'GET: refused' }))).toEqual([]);
  });

  it('stops and removes the config revisions when disabled or deleted', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a' } };
    expect(types(planAiGateway(disabled, observed(running)))).toEqual(['stop', 'uninstall']);
    expect(planAiGateway(disabled, observed({}))).toEqual([]);
  });

  it('describes actions without the config (it holds API keys)', () => {
    for (const a of planAiGateway(enabled(revision('a')), observed({}))) {
      expect(describeAction(a)).toMatch(/ai-gateway/);
      expect(describeAction(a)).not.toContain('sk-secret');
    }
  });
});

/** The supervisor as a state machine over observations: what each action leaves behind when it succeeds. */
function simulate(o: AiGatewayObserved, actions: AiGatewayAction[]): AiGatewayObserved {
  let d: DaemonObservation = { ...o.daemon };
  for (const a of actions) {
    if (a.type === 'install') d = { ...d, installedHash: a.revision.hash };
    else if (a.type === 'activate') d = { ...d, installedHash: a.hash };
    else if (a.type === 'start' || a.type === 'reload' || a.type === 'restart')
      d = { ...d, phase: 'running', running: a.config };
    else if (a.type === 'stop')
      d = { phase: 'stopped', crashes: d.crashes, ...(d.installedHash ? { installedHash: d.installedHash } : {}) };
    else d = { phase: d.phase, crashes: d.crashes, ...(d.running ? { running: d.running } : {}) };
  }
  return { ...o, daemon: d };
}

describe('planAiGateway properties', () => {
  const hash = fc.constantFrom('a', 'b', 'c');
  const key = fc.constantFrom(K1, 'listen 10.0.0.5:8090 admin 127.0.0.1:8091');
  const phase = fc.constantFrom<DaemonPhase>('stopped', 'starting', 'running', 'unhealthy', 'backoff');
  const observation = fc.record({
    phase,
    installed: fc.option(hash, { nil: undefined }),
    running: fc.option(fc.record({ hash, restartKey: key }), { nil: undefined }),
    providerHealthy: fc.boolean(),
  });

  it('applying the plan and observing again yields an empty plan', () => {
    fc.assert(
      fc.property(observation, fc.option(fc.tuple(hash, key), { nil: undefined }), (o, want) => {
        const desired = want ? enabled(revision(want[0], want[1])) : disabled;
        const before = observed(
          {
            phase: o.phase,
            ...(o.installed ? { installedHash: o.installed } : {}),
            ...(o.running && o.phase !== 'stopped' && o.phase !== 'backoff' ? { running: o.running } : {}),
          },
          {
            dataPlane: {
              models: [],
              providers: [{ name: 'p', type: 'openai', healthy: o.providerHealthy }],
              localModels: [],
            },
          },
        );
        const after = simulate(before, planAiGateway(desired, before));
        // A starting process on the right revision is left to finish starting; the supervisor reports when it does.
        const settled =
          after.daemon.phase === 'starting' && after.daemon.running?.hash === want?.[0]
            ? { ...after, daemon: { ...after.daemon, phase: 'running' as const } }
            : after;
        expect(planAiGateway(desired, settled)).toEqual([]);
      }),
    );
  });
});
