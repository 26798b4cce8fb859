import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { KindSnapshot } from '../../runtime/controller.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';
import { localModelConflicts } from '../local-model-common/admission.js';
import { validateLocalModelSpec } from '../local-model-common/spec.js';
import { decodeLocalModels } from './decode.js';

const snapshot = (...specs: [string, unknown][]): KindSnapshot => ({
  kind: 'LocalModel',
  resources: specs.map(([name, spec], i) => ({
    name,
    generation: i + 1,
    value: JSON.stringify(spec),
    modifiedAt: `2026-12-07T00:00:0${i}Z`,
  })),
});
const decode = (s: KindSnapshot) =>
  decodeLocalModels(s, new ResourceAdmission(validateLocalModelSpec, localModelConflicts), '/var/lib/csgw');

describe('decodeLocalModels', () => {
  it('renders vllm serve --config YAML from the spec, with defaults and the allow-listed extra options', () => {
    const d = decode(
      snapshot([
        'llama',
        { weights: { path: '/models/llama' }, maxModelLen: 8192, extraArgs: { 'enable-prefix-caching': true } },
      ]),
    );
    if (!d.ok) throw new Error(d.errors.join());
    const [model] = d.desired.spec.models;
    const yaml = parse(model!.revision.files[0]!.content) as Record<string, unknown>;
    expect(yaml).toEqual({
      model: '/models/llama',
      'served-model-name': 'llama',
      host: '127.0.0.1',
      port: 8000,
      'tensor-parallel-size': 1,
      'gpu-memory-utilization': 0.9,
      dtype: 'auto',
      'max-num-seqs': 256,
      'max-model-len': 8192,
      'enable-prefix-caching': true,
    });
    expect(model!.revision.ready).toEqual({ openaiModel: { baseUrl: 'http://127.0.0.1:8000', model: 'llama' } });
    expect(model!.sync).toBeUndefined();
  });

  it('syncs an S3 prefix into the model directory before a start', () => {
    const d = decode(snapshot(['m', { weights: { s3Uri: 's3://models/m/', s3Region: 'eu-west-1' }, task: 'embed' }]));
    if (!d.ok) throw new Error(d.errors.join());
    const [model] = d.desired.spec.models;
    expect(model!.sync).toEqual({
      uri: 's3://models/m/',
      region: 'eu-west-1',
      dir: '/var/lib/csgw/local-models/m/weights',
    });
    expect(parse(model!.revision.files[0]!.content)).toMatchObject({
      task: 'embed',
      model: '/var/lib/csgw/local-models/m/weights',
    });
  });

  it.each([
    ['an option off the allow-list', { weights: { path: '/m' }, extraArgs: { 'trust-remote-code': true } }],
    ['a value smuggling a second option', { weights: { path: '/m' }, extraArgs: { quantization: 'awq\nmodel: /etc' } }],
    ['a served name with a line break', { weights: { path: '/m' }, servedName: 'a\nport: 1' }],
    ['a relative weights path', { weights: { path: '/models/../etc' } }],
    ['two sources of weights', { weights: { path: '/m', s3Uri: 's3://b/m/' } }],
    ['no source of weights', { weights: {} }],
    ['a directory for the operator to write weights to', { weights: { s3Uri: 's3://b/m/', localDir: '/etc' } }],
  ])('rejects %s, so nothing reaches the YAML', (_what, spec) => {
    const d = decode(snapshot(['m', spec]));
    if (!d.ok) throw new Error('the snapshot itself decodes');
    expect(d.desired.spec.models).toEqual([]);
    expect(d.ignored).toHaveLength(1);
  });

  it('refuses a second model on a served name or port already taken, and a name that is not a file name', () => {
    const d = decode(
      snapshot(
        ['a', { weights: { path: '/a' } }],
        ['b', { weights: { path: '/b' }, servedName: 'a', port: 8001 }],
        ['c', { weights: { path: '/c' } }],
        ['..', { weights: { path: '/d' }, servedName: 'd', port: 8003 }],
      ),
    );
    if (!d.ok) throw new Error(d.errors.join());
    expect(d.desired.spec.models.map((m) => m.name)).toEqual(['a']);
    expect(d.ignored.map((i) => i.name)).toEqual(['b', 'c', '..']);
  });

  it('notes a spill with no fallback: it rejects, nothing leaves', () => {
    const d = decode(snapshot(['m', { weights: { path: '/m' }, overflow: { policy: 'spill' } }]));
    if (!d.ok) throw new Error(d.errors.join());
    expect(d.desired.spec.models[0]!.notes.map((n) => n.reason)).toEqual(['SpillWithoutFallback']);
  });
});
