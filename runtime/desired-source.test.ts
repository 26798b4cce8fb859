import { guardInto } from '../testing/fake-store-memory.js';
import { describe, expect, it } from '@jest/globals';
import { sourceNatKind } from '../crds-equivalent/source-nat.js';
import { fakeKind } from '../testing/fake-controller.js';
import type { KindSnapshot } from './controller.js';
import {
  classifySsmError,
  PollingDesiredSource,
  SnapshotDiffer,
  type SourceHealth,
  type StoredParameter,
} from './desired-source.js';
import { gatewayPaths } from './paths.js';

const paths = gatewayPaths('/cloudspectra', 'gw1');
const kinds = [sourceNatKind, fakeKind];
const param = (plural: string, name: string, version: number, value = '{}'): StoredParameter => ({
  name: `${paths.specRoot}/${plural}/${name}`,
  version,
  value,
});
const summary = (snapshots: KindSnapshot[]): string[] =>
  snapshots.map((s) => `${s.kind}:${s.resources.map((r) => `${r.name}@${r.generation}`).join(',')}`);

describe('SnapshotDiffer', () => {
  it('emits every known kind on the first call, empty ones included', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    expect(summary(differ.changed([param('sourcenats', 'default', 3)]))).toEqual(['SourceNat:default@3', 'Fake:']);
  });

  it('carries name, generation and value, sorted by name', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    const [nat] = differ.changed([
      param('sourcenats', 'zeta', 1, '{"z":1}'),
      param('sourcenats', 'default', 2, '{"mode":"snat"}'),
    ]);
    expect(nat).toEqual({
      kind: 'SourceNat',
      resources: [
        { name: 'default', generation: 2, value: '{"mode":"snat"}' },
        { name: 'zeta', generation: 1, value: '{"z":1}' },
      ],
    });
  });

  it('emits nothing when no version changed, whatever the listing order', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([param('sourcenats', 'a', 1), param('sourcenats', 'b', 1)]);
    expect(differ.changed([param('sourcenats', 'b', 1), param('sourcenats', 'a', 1)])).toEqual([]);
  });

  it('a value change at the same version emits (a parameter deleted and re-created is back at version 1)', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([param('sourcenats', 'default', 1, '{"mode":"masquerade"}')]);
    const [snapshot] = differ.changed([param('sourcenats', 'default', 1, '{"mode":"snat"}')]);
    expect(snapshot?.resources[0]?.value).toBe('{"mode":"snat"}');
  });

  it('a version bump emits only that kind, with all of its resources', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([param('sourcenats', 'default', 1), param('fakes', 'default', 1)]);
    expect(summary(differ.changed([param('sourcenats', 'default', 2), param('fakes', 'default', 1)]))).toEqual([
      'SourceNat:default@2',
    ]);
  });

  it('an added resource emits its kind', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([param('fakes', 'default', 1)]);
    expect(summary(differ.changed([param('fakes', 'default', 1), param('fakes', 'second', 1)]))).toEqual([
      'Fake:default@1,second@1',
    ]);
  });

  it('a deletion emits an empty snapshot of that kind, once', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([param('sourcenats', 'default', 5)]);
    expect(differ.changed([])).toEqual([{ kind: 'SourceNat', resources: [] }]);
    expect(differ.changed([])).toEqual([]);
  });

  it('ignores parameters of unknown kinds, deeper paths, other gateways and the status tree', () => {
    const differ = new SnapshotDiffer(paths, kinds);
    differ.changed([]);
    const noise: StoredParameter[] = [
      param('widgets', 'default', 1),
      { name: `${paths.specRoot}/sourcenats/default/extra`, version: 1, value: '{}' },
      { name: `${paths.specRoot}/sourcenats`, version: 1, value: '{}' },
      { name: '/cloudspectra/gw2/spec/sourcenats/default', version: 1, value: '{}' },
      { name: `${paths.statusRoot}/i-1`, version: 9, value: '{}' },
      { name: `${paths.specRoot}/sourcenats/`, version: 1, value: '{}' },
    ];
    expect(differ.changed(noise)).toEqual([]);
  });
});

function source(list: (path: string, signal: AbortSignal) => Promise<StoredParameter[]>): {
  src: PollingDesiredSource;
  snapshots: KindSnapshot[];
  health: SourceHealth[];
} {
  let t = Date.parse('2025-01-01T00:00:00Z');
  const store: StoredParameter[] = [];
  const listAll = async (path: string, signal: AbortSignal): Promise<StoredParameter[]> => [
    ...(await list(path, signal)),
    ...store,
  ];
  const src = new PollingDesiredSource(paths, kinds, listAll, () => new Date((t += 1000)), guardInto(store, paths));
  const snapshots: KindSnapshot[] = [];
  const health: SourceHealth[] = [];
  src.snapshots$.subscribe((s) => snapshots.push(s));
  src.health$.subscribe((h) => health.push(h));
  return { src, snapshots, health };
}

const awsError = (name: string, message = `${name}: denied`): Error => Object.assign(new Error(message), { name });

describe('PollingDesiredSource', () => {
  it('starts unhealthy (NotListedYet), lists the spec root, then reports Listed and emits snapshots', async () => {
    const calls: string[] = [];
    const { src, snapshots, health } = source((path) => {
      calls.push(path);
      return Promise.resolve([param('sourcenats', 'default', 1)]);
    });
    expect(health).toEqual([{ ok: false, reason: 'NotListedYet', message: 'desired state not listed yet' }]);
    await src.resync(new AbortController().signal);
    expect(calls).toEqual(['/cloudspectra/gw1/spec']);
    expect(health.at(-1)).toEqual({
      ok: true,
      reason: 'Listed',
      message: '1 spec parameters',
      lastSuccessAt: '2025-01-01T00:00:01.000Z',
    });
    expect(summary(snapshots)).toEqual(['SourceNat:default@1', 'Fake:']);
  });

  it('a list that outlives its deadline is a failure (SsmTimeout); a list aborted because we stop is none', async () => {
    const hang = (_: string, signal: AbortSignal): Promise<StoredParameter[]> =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const { src, health } = source(hang);
    await src.resync(AbortSignal.timeout(20));
    expect(health.at(-1)).toMatchObject({ ok: false, reason: 'SsmTimeout', message: /deadline/ });
    const stopping = new AbortController();
    const pending = src.resync(stopping.signal);
    stopping.abort(new Error('operator stopping'));
    await pending;
    expect(health).toHaveLength(2);
  });

  it.each([
    ['AccessDeniedException', 'MissingPermission'],
    ['UnrecognizedClientException', 'MissingPermission'],
    ['CredentialsProviderError', 'MissingPermission'],
    ['ThrottlingException', 'SsmThrottled'],
    ['TooManyUpdates', 'SsmThrottled'],
    ['TimeoutError', 'SsmTimeout'],
    ['Error', 'SsmUnavailable'],
  ])('a lister failure named %s -> health not ok with reason %s, and resync still resolves', async (name, reason) => {
    const { src, health, snapshots } = source(() => Promise.reject(awsError(name)));
    await expect(src.resync(new AbortController().signal)).resolves.toBeUndefined();
    expect(health.at(-1)).toEqual({ ok: false, reason, message: `${name}: denied` });
    expect(snapshots).toEqual([]);
  });

  it('keeps lastSuccessAt through a failure and recovers on the next good list', async () => {
    let fail = false;
    let version = 1;
    const { src, health, snapshots } = source(() =>
      fail
        ? Promise.reject(awsError('ThrottlingException', 'Rate exceeded'))
        : Promise.resolve([param('sourcenats', 'default', version)]),
    );
    const signal = new AbortController().signal;
    await src.resync(signal);
    fail = true;
    await src.resync(signal);
    expect(health.at(-1)).toEqual({
      ok: false,
      reason: 'SsmThrottled',
      message: 'Rate exceeded',
      lastSuccessAt: '2025-01-01T00:00:01.000Z',
    });
    fail = false;
    version = 2;
    await src.resync(signal);
    expect(health.at(-1)).toMatchObject({ ok: true, reason: 'Listed' });
    expect(summary(snapshots)).toEqual(['SourceNat:default@1', 'Fake:', 'SourceNat:default@2']);
  });

  it('reports nothing for a list that failed because it was aborted (shutdown)', async () => {
    const ctl = new AbortController();
    const { src, health } = source(() => {
      ctl.abort();
      return Promise.reject(awsError('AbortError'));
    });
    await src.resync(ctl.signal);
    expect(health).toHaveLength(1);
  });

  it('complete() completes both streams', () => {
    const { src } = source(() => Promise.resolve([]));
    const done: string[] = [];
    src.snapshots$.subscribe({ complete: () => done.push('snapshots') });
    src.health$.subscribe({ complete: () => done.push('health') });
    src.complete();
    expect(done.sort()).toEqual(['health', 'snapshots']);
  });
});

describe('classifySsmError', () => {
  it('matches on error.name, never on the message', () => {
    expect(classifySsmError(awsError('Error', 'AccessDeniedException: not authorized'))).toBe('SsmUnavailable');
    expect(classifySsmError(awsError('AccessDeniedException', 'anything'))).toBe('MissingPermission');
  });
});
