import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOpenAi, type FakeOpenAi } from '../../../testing/fake-openai.js';
import type { ChatChunk, ChatRequest } from '../../openai/types.js';
import { MidStreamError, type CallContext, type ChunkStream } from '../provider.js';
import { OpenAiProvider } from './provider.js';

const KEY = 'sk-upstream-test-key';
let fake: FakeOpenAi;
let provider: OpenAiProvider;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey: KEY });
  provider = new OpenAiProvider(
    { name: 'openai', type: 'openai', baseUrl: fake.url, apiKey: KEY, maxSockets: 4 },
    { connectTimeoutMs: 1000 },
  );
});

afterAll(async () => {
  provider.close();
  await fake.close();
});

const ctx = (signal = new AbortController().signal): CallContext => ({ signal, requestId: 'req_1' });
const hello: ChatRequest = { model: 'gpt-test', messages: [{ role: 'user', content: 'hello there' }] };

async function all(stream: ChunkStream): Promise<ChatChunk[]> {
  const out = [stream.first];
  for await (const c of stream.rest) out.push(c);
  return out;
}

describe('OpenAiProvider', () => {
  it('passes a chat call through with the key, the request id and unknown parameters', async () => {
    fake.log.calls.length = 0;
    const attempt = await provider.chat({ ...hello, logit_bias: { '42': 1 } }, ctx());
    expect(attempt).toMatchObject({
      ok: true,
      completion: { choices: [{ message: { content: 'echo: hello there' } }] },
    });
    const call = fake.log.last()!;
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call.headers['x-request-id']).toBe('req_1');
    expect(call.body).toMatchObject({ logit_bias: { '42': 1 } });
  });

  it('always asks a stream for usage, and yields its chunks once the first arrived', async () => {
    const attempt = await provider.chat({ ...hello, stream: true }, ctx());
    if (!attempt.ok || !('stream' in attempt)) throw new Error('expected a stream');
    const chunks = await all(attempt.stream);
    expect((fake.log.last()!.body as ChatRequest).stream_options).toEqual({ include_usage: true });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: hello there');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number) });
  });

  it('uses the client authorization in passthrough', async () => {
    await provider.chat(hello, { ...ctx(), clientAuthorization: `Bearer ${KEY}` });
    expect(fake.log.last()!.headers.authorization).toBe(`Bearer ${KEY}`);
    const refused = await provider.chat(hello, { ...ctx(), clientAuthorization: 'Bearer sk-wrong' });
    expect(refused).toMatchObject({ ok: false, failure: { status: 401, retryable: false } });
  });

  it('reports 429 with its retry-after and 500 as retryable failures', async () => {
    fake.faults.next({ status: 429, retryAfterSeconds: 1 }, { status: 500 });
    expect(await provider.chat(hello, ctx())).toMatchObject({
      ok: false,
      failure: { status: 429, retryable: true, retryAfterMs: 1000 },
    });
    expect(await provider.chat(hello, ctx())).toMatchObject({ ok: false, failure: { status: 502, retryable: true } });
  });

  it('stops a hanging call when its signal aborts', async () => {
    fake.faults.next({ hang: true });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('no first token within 50 ms')), 50);
    const attempt = await provider.chat({ ...hello, stream: true }, ctx(abort.signal));
    expect(attempt).toMatchObject({
      ok: false,
      failure: { retryable: true, message: expect.stringContaining('no first token') },
    });
  });

  it('throws MidStreamError when the stream is cut after its first chunk', async () => {
    fake.faults.next({ dropAfterEvents: 2 });
    const attempt = await provider.chat({ ...hello, stream: true }, ctx());
    if (!attempt.ok || !('stream' in attempt)) throw new Error('expected a stream');
    await expect(all(attempt.stream)).rejects.toBeInstanceOf(MidStreamError);
  });

  it('fails retryably when nothing listens', async () => {
    const closed = new OpenAiProvider(
      { name: 'gone', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', maxSockets: 1 },
      { connectTimeoutMs: 500 },
    );
    expect(await closed.chat(hello, ctx())).toMatchObject({
      ok: false,
      failure: { status: 502, retryable: true, code: 'upstream_unreachable' },
    });
    closed.close();
  });

  it('passes embeddings and raw responses through', async () => {
    const e = await provider.embeddings({ model: 'emb', input: ['a', 'b'] }, ctx());
    expect(e).toMatchObject({ ok: true, response: { data: [{ index: 0 }, { index: 1 }] } });
    const raw = await provider.raw(
      {
        method: 'POST',
        path: '/responses',
        body: Buffer.from('{"model":"m","input":"hi"}'),
        contentType: 'application/json',
      },
      ctx(),
    );
    if (!raw.ok) throw new Error('expected an answer');
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/json');
  });
});
