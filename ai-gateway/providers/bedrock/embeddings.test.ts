import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { EmbeddingsRequest } from '../../openai/types.js';
import type { CallContext } from '../provider.js';
import { embed, type Invoke } from './embeddings.js';
import { BedrockProvider } from './provider.js';
import { startFakeBedrock, type FakeBedrock } from '../../../testing/fake-bedrock/fake-bedrock.js';
import { vectorOf } from '../../../testing/fake-bedrock/fake-embeddings.js';

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

let fake: FakeBedrock;
let provider: BedrockProvider;

beforeAll(async () => {
  fake = await startFakeBedrock();
  provider = new BedrockProvider(
    { name: 'bedrock', type: 'bedrock', baseUrl: fake.url, region: 'eu-west-1', maxSockets: 4 },
    { credentials: { accessKeyId: 'AKIDFAKEBEDROCKTEST', secretAccessKey: 'fake' } },
  );
});
afterEach(() => fake.reset());
afterAll(async () => {
  provider.close();
  await fake.close();
});

const ctx: CallContext = { signal: new AbortController().signal, requestId: 'req-e' };

function floats(base64: unknown): number[] {
  const bytes = Buffer.from(String(base64), 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
}

describe('Bedrock embeddings through the real SDK', () => {
  it('Titan: one InvokeModel call per input, usage from inputTextTokenCount', async () => {
    const a = await provider.embeddings({ model: TITAN, input: ['red fox', 'blue'], dimensions: 4 }, ctx);
    expect(a).toEqual({
      ok: true,
      response: {
        object: 'list',
        model: TITAN,
        data: [
          { object: 'embedding', index: 0, embedding: vectorOf('red fox', 4) },
          { object: 'embedding', index: 1, embedding: vectorOf('blue', 4) },
        ],
        usage: { prompt_tokens: 3, total_tokens: 3 },
      },
    });
    expect(fake.count(TITAN, 'invoke')).toBe(2);
    expect(fake.last('invoke')?.body).toEqual({ inputText: expect.any(String), dimensions: 4 });
  });

  it('packs base64 vectors as little-endian float32, as the openai SDK expects by default', async () => {
    const a = await provider.embeddings({ model: TITAN, input: 'red fox', encoding_format: 'base64' }, ctx);
    if (!a.ok) throw new Error(a.failure.message);
    const decoded = floats(a.response.data[0]?.embedding);
    expect(decoded).toHaveLength(1024);
    const expected = vectorOf('red fox', 1024);
    expect(Math.max(...decoded.map((x, i) => Math.abs(x - expected[i]!)))).toBeLessThan(1e-6);
  });

  it('Cohere: batches of 96 texts as search documents, usage from the token count header', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `text number ${i}`);
    const a = await provider.embeddings({ model: COHERE, input: texts }, ctx);
    if (!a.ok) throw new Error(a.failure.message);
    expect(a.response.data).toHaveLength(100);
    expect(a.response.data[99]).toEqual({
      object: 'embedding',
      index: 99,
      embedding: vectorOf('text number 99', 1024),
    });
    expect(a.response.usage).toEqual({ prompt_tokens: 300, total_tokens: 300 });
    expect(fake.count(COHERE, 'invoke')).toBe(2);
    expect(fake.last('invoke')?.body).toEqual({ texts: texts.slice(96), input_type: 'search_document' });
  });

  it.each<[string, Partial<EmbeddingsRequest>]>([
    ['a model that is no embeddings model', { model: 'anthropic.claude-3-haiku' }],
    ['token arrays', { input: [1, 2, 3] }],
    ['an empty input', { input: [] }],
    ['dimensions for Cohere', { model: COHERE, dimensions: 256 }],
  ])('refuses %s with a 400 and no upstream call', async (_, overrides) => {
    const a = await provider.embeddings({ model: TITAN, input: 'x', ...overrides }, ctx);
    expect(a).toMatchObject({ ok: false, failure: { status: 400, type: 'invalid_request_error', retryable: false } });
    expect(fake.calls().total).toBe(0);
  });

  it('a throttled call is a retryable failure', async () => {
    fake.addRule({ operation: 'invoke', failure: { kind: 'status', status: 429 } });
    expect(await provider.embeddings({ model: COHERE, input: 'x' }, ctx)).toMatchObject({
      ok: false,
      failure: { status: 429, retryable: true },
    });
  });
});

describe('embed', () => {
  it('estimates Cohere tokens at 4 characters a token without the header', async () => {
    const invoke: Invoke = () => Promise.resolve({ body: JSON.stringify({ embeddings: [[1], [2]] }), headers: {} });
    const out = await embed({ model: COHERE, input: ['12345678', '1234'] }, invoke);
    expect(out.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('reads Cohere embeddings by type, and refuses an answer it cannot read', async () => {
    const typed: Invoke = () =>
      Promise.resolve({ body: JSON.stringify({ embeddings: { float: [[0.5]] } }), headers: {} });
    expect((await embed({ model: `us.${COHERE}`, input: 'x' }, typed)).data[0]?.embedding).toEqual([0.5]);
    const short: Invoke = () => Promise.resolve({ body: JSON.stringify({ embeddings: [] }), headers: {} });
    await expect(embed({ model: COHERE, input: 'x' }, short)).rejects.toMatchObject({ name: 'MalformedEmbeddings' });
  });

  it('stops calling Titan after a failure', async () => {
    let calls = 0;
    const invoke: Invoke = async () => {
      calls++;
      await new Promise((r) => setImmediate(r));
      throw new Error('boom');
    };
    const input = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await expect(embed({ model: TITAN, input }, invoke)).rejects.toThrow('boom');
    expect(calls).toBe(4);
  });
});
