import { describe, expect, it } from '@jest/globals';
import { parseVllmArgs, readFakeVllmEnv, VllmArgsError } from './fake-vllm-args.js';
import { parseFaultRequest } from './fake-vllm-control.js';

describe('parseVllmArgs', () => {
  it('reads the command line vllm serve gets, as --flag value and --flag=value', () => {
    const args = parseVllmArgs([
      'serve',
      '/var/lib/csgw/models/llama',
      '--host',
      '127.0.0.1',
      '--port=8011',
      '--served-model-name',
      'llama',
      '--max-num-seqs',
      '4',
      '--max-model-len=8192',
      '--gpu-memory-utilization',
      '0.85',
      '--tensor-parallel-size=2',
      '--dtype',
      'bfloat16',
      '--api-key=sk-local',
    ]);
    expect(args).toEqual({
      model: '/var/lib/csgw/models/llama',
      servedModelNames: ['llama'],
      host: '127.0.0.1',
      port: 8011,
      maxNumSeqs: 4,
      maxModelLen: 8192,
      gpuMemoryUtilization: 0.85,
      tensorParallelSize: 2,
      dtype: 'bfloat16',
      apiKey: 'sk-local',
      pooling: false,
      ignored: [],
    });
  });

  it("defaults as vllm serve does, the served name being the model's", () => {
    expect(parseVllmArgs(['serve', 'org/model'])).toEqual({
      model: 'org/model',
      servedModelNames: ['org/model'],
      host: '0.0.0.0',
      port: 8000,
      maxNumSeqs: 256,
      maxModelLen: 4096,
      gpuMemoryUtilization: 0.9,
      tensorParallelSize: 1,
      dtype: 'auto',
      pooling: false,
      ignored: [],
    });
  });

  it('takes one or more served names, the -tp alias and --model', () => {
    const args = parseVllmArgs(['serve', '--model', '/m', '--served-model-name', 'a', 'b', '-tp', '4']);
    expect(args).toMatchObject({ model: '/m', servedModelNames: ['a', 'b'], tensorParallelSize: 4 });
  });

  it('keeps unknown flags aside, with their value when one follows', () => {
    const args = parseVllmArgs([
      'serve',
      '/m',
      '--enable-prefix-caching',
      '--kv-cache-dtype',
      'fp8',
      '--swap-space=4',
      '--enforce-eager',
      '--port',
      '9000',
    ]);
    expect(args.ignored).toEqual([
      '--enable-prefix-caching',
      '--kv-cache-dtype fp8',
      '--swap-space=4',
      '--enforce-eager',
    ]);
    expect(args).toMatchObject({ model: '/m', port: 9000 });
  });

  it.each([
    [['--task', 'embed'], true],
    [['--task=embedding'], true],
    [['--runner', 'pooling'], true],
    [['--convert', 'embed'], true],
    [['--task', 'generate'], false],
    [['--runner=generate'], false],
  ])('serves embeddings only for a pooling task or runner: %j', (flags, pooling) => {
    expect(parseVllmArgs(['serve', '/m', ...flags]).pooling).toBe(pooling);
  });

  it.each([
    [['/m'], /subcommand "serve"/],
    [['serve'], /required: model_tag/],
    [['serve', '/m', '--port', 'eighty'], /--port: invalid int value: 'eighty'/],
    [['serve', '/m', '--max-num-seqs', '0'], /--max-num-seqs: invalid int value/],
    [['serve', '/m', '--gpu-memory-utilization', '1.5'], /invalid float value/],
    [['serve', '/m', '--port'], /--port: expected one argument/],
    [['serve', '/m', '--served-model-name', '--port', '1'], /at least one argument/],
    [['serve', '/m', 'extra'], /unrecognized arguments: extra/],
  ])('rejects what argparse would: %j', (argv, message) => {
    expect(() => parseVllmArgs(argv)).toThrow(VllmArgsError);
    expect(() => parseVllmArgs(argv)).toThrow(message);
  });
});

describe('readFakeVllmEnv', () => {
  it('reads the fake-only knobs, with defaults', () => {
    expect(readFakeVllmEnv({})).toEqual({
      loadMs: 0,
      firstTokenMs: 0,
      tokenMs: 0,
      control: false,
      drainMs: 1000,
      requireWeights: false,
    });
    expect(
      readFakeVllmEnv({
        FAKE_VLLM_LOAD_MS: '3000',
        FAKE_VLLM_FIRST_TOKEN_MS: '50',
        FAKE_VLLM_TOKEN_MS: '10',
        FAKE_VLLM_CONTROL: '1',
        FAKE_VLLM_DRAIN_MS: '200',
        FAKE_VLLM_REQUIRE_WEIGHTS: '1',
      }),
    ).toEqual({ loadMs: 3000, firstTokenMs: 50, tokenMs: 10, control: true, drainMs: 200, requireWeights: true });
    expect(() => readFakeVllmEnv({ FAKE_VLLM_TOKEN_MS: 'fast' })).toThrow(/FAKE_VLLM_TOKEN_MS/);
  });
});

describe('parseFaultRequest', () => {
  it.each([
    [{ clear: true }, { clear: true }],
    [
      { status: 503, calls: 2 },
      { fault: { status: 503 }, calls: 2 },
    ],
    [{ status: 429, message: 'busy' }, { fault: { status: 429, message: 'busy' } }],
    [{ hang: true }, { fault: { hang: true } }],
    [{ dieMidStream: 0 }, { fault: { dieMidStream: 0 } }],
    [
      { firstTokenDelayMs: 1500, calls: 1 },
      { fault: { firstTokenDelayMs: 1500 }, calls: 1 },
    ],
    [{ refuse: true, forMs: 500 }, { fault: { refuse: true, forMs: 500 } }],
  ])('takes %j', (body, expected) => {
    expect(parseFaultRequest(body)).toEqual(expected);
  });

  it.each([
    [null],
    [{}],
    [{ status: 302 }],
    [{ hang: true, calls: 0 }],
    [{ dieMidStream: -1 }],
    [{ clear: true, hang: true }],
  ])('rejects %j with a reason', (body) => {
    expect(typeof parseFaultRequest(body)).toBe('string');
  });
});

describe('parseVllmArgs with --config', () => {
  const file = {
    model: '/models/m',
    'served-model-name': 'tiny',
    host: '127.0.0.1',
    port: 8001,
    'max-num-seqs': 2,
    'enable-prefix-caching': true,
    task: 'embed',
  };
  it('reads the YAML options as vLLM does, the command line winning', () => {
    const args = parseVllmArgs(['serve', '--config', 'c.yaml', '--port', '9000'], () => file);
    expect(args).toMatchObject({
      model: '/models/m',
      servedModelNames: ['tiny'],
      host: '127.0.0.1',
      port: 9000,
      maxNumSeqs: 2,
      pooling: true,
    });
    expect(args.ignored).toEqual(['--enable-prefix-caching']);
  });
  it('takes a positional model over the file', () => {
    expect(parseVllmArgs(['serve', 'other', '--config=c.yaml'], () => file).model).toBe('other');
  });
  it('refuses a file that is not a mapping', () => {
    expect(() => parseVllmArgs(['serve', '--config', 'c.yaml'], () => ['x'])).toThrow(VllmArgsError);
  });
});
