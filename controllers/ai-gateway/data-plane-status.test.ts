import { describe, expect, it } from '@jest/globals';
import { STATUS_DOCUMENT } from '../../testing/ai-gateway-fixtures.js';
import { FakeRunner } from '../../testing/fake-runner.js';
import { fetchDataPlaneStatus, parseDataPlaneStatus, type DataPlaneStatus } from './data-plane-status.js';

describe('parseDataPlaneStatus', () => {
  it('takes the whole document the data plane serves', () => {
    expect(parseDataPlaneStatus(STATUS_DOCUMENT)).toEqual(STATUS_DOCUMENT);
  });

  it('keeps only the fields it knows: anything else never reaches status', () => {
    const extra = {
      ...STATUS_DOCUMENT,
      apiKey: 'sk-leak-1',
      providers: [{ ...STATUS_DOCUMENT.providers[0], apiKey: 'sk-leak-2', headers: { authorization: 'sk-leak-3' } }],
      auth: { mode: 'keys', keys: 2, hashes: ['sk-leak-4'] },
    };
    expect(JSON.stringify(parseDataPlaneStatus(extra))).not.toMatch(/sk-leak/);
  });

  it.each<[string, unknown, DataPlaneStatus]>([
    ['not an object', 'up', { models: [], providers: [], localModels: [] }],
    ['null', null, { models: [], providers: [], localModels: [] }],
    ['an array', [STATUS_DOCUMENT], { models: [], providers: [], localModels: [] }],
    [
      'wrong types',
      { listening: { host: 1, port: '8090' }, models: 'gpt', providers: {}, cache: { enabled: 'yes' } },
      { models: [], providers: [], localModels: [] },
    ],
    [
      'a provider without health',
      { providers: [{ name: 'openai', type: 'openai' }] },
      { models: [], providers: [], localModels: [] },
    ],
    [
      'a model without a name',
      {
        models: [
          { kind: 'chat', targets: [] },
          { name: 'm', targets: [{ provider: 'p' }] },
        ],
      },
      { models: [{ name: 'm', kind: 'chat', targets: [] }], providers: [], localModels: [] },
    ],
    [
      'a cache missing a number',
      { cache: { enabled: true, entries: 1, bytes: 2, hits: 3, misses: 4 } },
      { models: [], providers: [], localModels: [] },
    ],
    [
      'an infinite rate',
      { requests: { total: 1, perSecond: null, inFlight: 0 } },
      { models: [], providers: [], localModels: [] },
    ],
  ])('survives %s', (_, raw, parsed) => {
    expect(parseDataPlaneStatus(raw)).toEqual(parsed);
  });

  it('flattens line breaks and bounds the length of what it shows', () => {
    const message = `line one\r\nForged: condition\u2028${'x'.repeat(500)}`;
    const parsed = parseDataPlaneStatus({
      providers: [{ name: 'p', type: 'openai', healthy: false, lastError: { message, code: 'c\nd', at: 'now' } }],
      models: Array.from({ length: 300 }, (_, i) => ({ name: `m${i}`, targets: [] })),
    });
    const error = parsed.providers[0]?.lastError;
    expect(error?.message).toMatch(/^line one Forged: condition x+$/);
    expect(error?.message.length).toBe(200);
    expect(error?.code).toBe('c d');
    expect(parsed.models).toHaveLength(256);
  });
});

describe('fetchDataPlaneStatus', () => {
  const signal = AbortSignal.timeout(5_000);
  const url = 'http://127.0.0.1:8091/status';

  it('asks with curl, bounded and never through a proxy, and parses the answer', async () => {
    const runner = new FakeRunner(() => ({ stdout: JSON.stringify(STATUS_DOCUMENT) }));
    expect(await fetchDataPlaneStatus(runner, url, signal)).toEqual({ ok: true, status: STATUS_DOCUMENT });
    expect(runner.calls).toEqual([
      expect.objectContaining({
        file: 'curl',
        args: ['-sS', '--fail', '--max-time', '2', '--max-filesize', '4000000', '--noproxy', '*', url],
      }),
    ]);
  });

  it.each<[string, FakeRunner, string]>([
    [
      'curl fails',
      new FakeRunner(() => ({ exitCode: 7, stderr: 'curl: (7) Failed to connect\n' })),
      `GET ${url}: curl: (7) Failed to connect`,
    ],
    ['curl says nothing', new FakeRunner(() => ({ exitCode: 22 })), `GET ${url}: curl exit 22`],
    ['the answer is not JSON', new FakeRunner(() => ({ stdout: '<html>' })), `GET ${url}: not JSON`],
    [
      'curl is missing',
      new FakeRunner(() => Promise.reject(new Error('spawn curl ENOENT'))),
      `GET ${url}: spawn curl ENOENT`,
    ],
  ])('reports why when %s', async (_, runner, error) => {
    expect(await fetchDataPlaneStatus(runner, url, signal)).toEqual({ ok: false, error });
  });
});
