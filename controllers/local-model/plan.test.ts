import { describe, expect, it } from '@jest/globals';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import { vllmRevision } from './daemon.js';
import { planLocalModels } from './plan.js';
import type { LocalModelDesired, ModelObservation, ModelTarget } from './types.js';

const crashes = { recent: 0, windowSeconds: 60, loop: false };
const target = (name: string, sync = false): ModelTarget => ({
  name,
  generation: 1,
  servedName: name,
  port: 8000,
  revision: { ...vllmRevision(`model: /m/${name}\n`, 8000, name), generation: 1 },
  ...(sync ? { sync: { uri: `s3://b/${name}/`, dir: `/w/${name}` } } : {}),
  notes: [],
});
const desired = (...models: ModelTarget[]) => ({ spec: { models, rejected: [] } as LocalModelDesired });
const seen = (
  name: string,
  daemon: Partial<DaemonObservation>,
  work: Partial<ModelObservation['work']> = {},
): ModelObservation => ({
  name,
  daemon: { phase: 'stopped', crashes, ...daemon },
  work: { retryPending: false, ...work },
});

describe('planLocalModels', () => {
  it('installs and starts a new model, syncing S3 weights first', () => {
    const [a, b] = planLocalModels(desired(target('a'), target('b', true)), { models: [], gpu: 'g' });
    expect(a).toMatchObject({ type: 'run', model: 'a', steps: [{ type: 'install' }, { type: 'start' }] });
    expect(a).not.toHaveProperty('sync');
    expect(b).toMatchObject({ type: 'run', model: 'b', sync: { uri: 's3://b/b/' } });
  });

  it('leaves a model alone while it syncs or loads this revision, and while a failed step backs off', () => {
    const [a, b] = [target('a'), target('b')];
    const models = [
      seen('a', {}, { phase: 'Loading', target: a.revision.hash }),
      seen('b', {}, { retryPending: true }),
    ];
    expect(planLocalModels(desired(a, b), { models, gpu: 'g' })).toEqual([]);
  });

  it('lets another revision go ahead of a load in flight, and removes a model even while it loads', () => {
    const loadingOld = seen('a', {}, { phase: 'Loading', target: 'old-revision' });
    const [run] = planLocalModels(desired(target('a')), { models: [loadingOld], gpu: 'g' });
    expect(run).toMatchObject({ type: 'run', model: 'a' });
    const loading = seen('b', {}, { phase: 'Downloading', target: 'x' });
    expect(planLocalModels(desired(), { models: [loading], gpu: 'g' })).toEqual([{ type: 'remove', model: 'b' }]);
  });

  it('plans nothing for a model serving its revision, and removes one no longer wanted', () => {
    const t = target('a');
    const running = seen('a', {
      phase: 'running',
      installedHash: t.revision.hash,
      running: { hash: t.revision.hash, restartKey: t.revision.restartKey! },
    });
    expect(planLocalModels(desired(t), { models: [running, seen('gone', {})], gpu: 'g' })).toEqual([
      { type: 'remove', model: 'gone' },
    ]);
  });

  it('never touches a model of another resource when planning one', () => {
    const b = target('b');
    const busy = seen('b', {}, { phase: 'Downloading', target: b.revision.hash });
    const plan = planLocalModels(desired(target('a'), b), { models: [busy], gpu: 'g' });
    expect(plan.map((p) => p.model)).toEqual(['a']);
  });
});
