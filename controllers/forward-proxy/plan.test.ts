import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation, DaemonPhase } from '../../runtime/daemon/types.js';
import { ZERO_COUNTERS } from './access-log.js';
import { ACCESS_LOG_ROTATE_BYTES, describeAction, planForwardProxy } from './plan.js';
import type { ForwardProxyAction, ForwardProxyDesired, ForwardProxyObserved, ProxyRevision } from './types.js';

const revision = (hash: string, restartKey = 'k1'): ProxyRevision => ({
  hash,
  files: [{ name: 'squid.conf', content: `# ${hash}\n`, mode: 0o644 }],
  restartKey,
  listen: '0.0.0.0:3128',
  ready: { tcp: { host: '127.0.0.1', port: 3128 } },
});

const enabled = (rev: ProxyRevision, generation = 2): DesiredState<ForwardProxyDesired> => ({
  name: 'default',
  generation,
  spec: { enabled: true, revision: rev, sources: { domainFilters: [] } },
});
const disabled: DesiredState<ForwardProxyDesired> = { spec: { enabled: false, sources: { domainFilters: [] } } };

function observed(daemon: Partial<DaemonObservation>, accessLogBytes = 0): ForwardProxyObserved {
  return {
    daemon: { phase: 'stopped', crashes: { recent: 0, windowSeconds: 60, loop: false }, ...daemon },
    counters: ZERO_COUNTERS,
    accessLogBytes,
  };
}

const types = (actions: ForwardProxyAction[]): string[] => actions.map((a) => a.type);

describe('planForwardProxy', () => {
  it('installs and starts from nothing, carrying the generation into the running config', () => {
    const actions = planForwardProxy(enabled(revision('a')), observed({}));
    expect(types(actions)).toEqual(['install', 'start']);
    expect(actions[1]).toMatchObject({ config: { hash: 'a', generation: 2, ready: { tcp: { port: 3128 } } } });
  });

  it('reloads a running daemon onto a new revision, restarts when the restart key changed', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a', restartKey: 'k1' } };
    expect(types(planForwardProxy(enabled(revision('b')), observed(running)))).toEqual(['install', 'reload']);
    expect(types(planForwardProxy(enabled(revision('b', 'k2')), observed(running)))).toEqual(['install', 'restart']);
  });

  it('leaves a crashed daemon in back-off to the supervisor unless a new revision must go live', () => {
    const backoff = { phase: 'backoff' as const, installedHash: 'a' };
    expect(planForwardProxy(enabled(revision('a')), observed(backoff))).toEqual([]);
    expect(types(planForwardProxy(enabled(revision('b')), observed(backoff)))).toEqual(['install', 'start']);
  });

  it('restarts a daemon that stopped answering', () => {
    const hung = { phase: 'unhealthy' as const, installedHash: 'a', running: { hash: 'a' } };
    expect(types(planForwardProxy(enabled(revision('a')), observed(hung)))).toEqual(['restart']);
  });

  it('stops and removes everything when disabled or deleted', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a' } };
    expect(types(planForwardProxy(disabled, observed(running)))).toEqual(['stop', 'uninstall']);
    expect(planForwardProxy(disabled, observed({}))).toEqual([]);
  });

  it('rotates a large access log of a running proxy', () => {
    const running = { phase: 'running' as const, installedHash: 'a', running: { hash: 'a', restartKey: 'k1' } };
    const big = observed(running, ACCESS_LOG_ROTATE_BYTES + 1);
    expect(types(planForwardProxy(enabled(revision('a')), big))).toEqual(['rotateLogs']);
  });

  it('describes actions without file contents', () => {
    const secret = { ...revision('a'), files: [{ name: 'htpasswd', content: 'alice:$apr1$x$y', mode: 0o600 }] };
    for (const a of planForwardProxy(enabled(secret), observed({}))) expect(describeAction(a)).not.toContain('apr1');
  });
});

/** The supervisor as a state machine over observations: what each action leaves behind when it succeeds. */
function simulate(o: ForwardProxyObserved, actions: ForwardProxyAction[]): ForwardProxyObserved {
  let d: DaemonObservation = { ...o.daemon };
  let bytes = o.accessLogBytes;
  for (const a of actions) {
    if (a.type === 'install') d = { ...d, installedHash: a.revision.hash };
    else if (a.type === 'activate') d = { ...d, installedHash: a.hash };
    else if (a.type === 'start' || a.type === 'reload' || a.type === 'restart')
      d = { ...d, phase: 'running', running: a.config };
    else if (a.type === 'stop')
      d = { phase: 'stopped', crashes: d.crashes, ...(d.installedHash ? { installedHash: d.installedHash } : {}) };
    else if (a.type === 'uninstall')
      d = { phase: d.phase, crashes: d.crashes, ...(d.running ? { running: d.running } : {}) };
    else bytes = 0;
  }
  return { ...o, daemon: d, accessLogBytes: bytes };
}

describe('planForwardProxy properties', () => {
  const hash = fc.constantFrom('a', 'b', 'c');
  const key = fc.constantFrom('k1', 'k2');
  const phase = fc.constantFrom<DaemonPhase>('stopped', 'starting', 'running', 'unhealthy', 'backoff');
  const observation = fc.record({
    phase,
    installed: fc.option(hash, { nil: undefined }),
    running: fc.option(fc.record({ hash, restartKey: key }), { nil: undefined }),
    bytes: fc.constantFrom(0, ACCESS_LOG_ROTATE_BYTES + 1),
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
          o.bytes,
        );
        const after = simulate(before, planForwardProxy(desired, before));
        // A starting daemon on the right revision is left to finish starting; the supervisor reports when it does.
        const settled =
          after.daemon.phase === 'starting' && after.daemon.running?.hash === want?.[0]
            ? { ...after, daemon: { ...after.daemon, phase: 'running' as const } }
            : after;
        expect(planForwardProxy(desired, settled)).toEqual([]);
      }),
    );
  });
});
