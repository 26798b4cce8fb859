import { afterEach, describe, expect, it, jest } from '@jest/globals';
import http from 'node:http';
import OpenAI from 'openai';
import { testEmbedding } from './deterministic-embedder.js';
import { startFakeVllm, type FakeVllm, type FakeVllmOptions } from './fake-vllm.js';
import { waitFor } from './wait.js';

const started: FakeVllm[] = [];

async function start(opts: FakeVllmOptions = {}): Promise<FakeVllm> {
  const fake = await startFakeVllm({
    ...opts,
    args: { model: '/models/llama', servedModelNames: ['local-llama'], ...opts.args },
  });
  started.push(fake);
  return fake;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.close()));
});

const client = (fake: FakeVllm, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI =>
  new OpenAI({ apiKey: 'unused', baseURL: fake.url, maxRetries: 0, ...extra });

const ask = (fake: FakeVllm, text = 'hello there', extra: Record<string, unknown> = {}) =>
  client(fake).chat.completions.create({
    model: 'local-llama',
    messages: [{ role: 'user', content: text }],
    ...extra,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);

const askStream = (fake: FakeVllm, text = 'hello there', signal?: AbortSignal) =>
  client(fake).chat.completions.create(
    {
      model: 'local-llama',
      messages: [{ role: 'user', content: text }],
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );

async function streamText(fake: FakeVllm, text = 'hello there'): Promise<string> {
  let out = '';
  for await (const chunk of await askStream(fake, text)) out += chunk.choices[0]?.delta.content ?? '';
  return out;
}

async function metric(fake: FakeVllm, name: string): Promise<number> {
  const text = await (await fetch(`${fake.origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function refused(fake: FakeVllm): Promise<boolean> {
  try {
    await fetch(`${fake.origin}/health`, { headers: { connection: 'close' } });
    return false;
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause?.code ?? '') === 'ECONNREFUSED';
  }
}

/** Resolves with the status when response headers arrive, or 'nothing' after `ms` (the request is then dropped). */
function headersWithin(url: string, ms: number): Promise<number | 'nothing'> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    req.on('error', () => undefined);
    setTimeout(() => {
      resolve('nothing');
      req.destroy();
    }, ms);
    req.end(JSON.stringify({ model: 'local-llama', messages: [{ role: 'user', content: 'hi' }], stream: true }));
  });
}

describe('fake vLLM routes', () => {
  it('answers /health with 200 and an empty body, and lists the served name as vLLM does', async () => {
    const fake = await start({ args: { maxModelLen: 2048 } });
    const health = await fetch(`${fake.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
    const models = await client(fake).models.list();
    expect(models.data).toEqual([
      expect.objectContaining({
        id: 'local-llama',
        object: 'model',
        owned_by: 'vllm',
        root: '/models/llama',
        max_model_len: 2048,
      }),
    ]);
  });

  it('answers a chat with local: <last user text>, with usage', async () => {
    const fake = await start();
    const answer = await client(fake).chat.completions.create({
      model: 'local-llama',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
      ],
    });
    expect(answer.object).toBe('chat.completion');
    expect(answer.model).toBe('local-llama');
    expect(answer.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'local: hello there' } });
    expect(answer.choices[0]?.finish_reason).toBe('stop');
    expect(answer.usage).toMatchObject({ completion_tokens: 3 });
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams one token a chunk after the role, and a final usage chunk when asked', async () => {
    const fake = await start();
    const chunks = [];
    for await (const chunk of await askStream(fake)) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('local: hello there');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 3 });
  });

  it('cuts an answer at max_tokens (finish length) and rejects a prompt over max-model-len', async () => {
    const fake = await start({ args: { maxModelLen: 20 } });
    const cut = await ask(fake, 'hello there', { max_tokens: 2 });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'local: hello' }, finish_reason: 'length' });
    await expect(ask(fake, 'a prompt far longer than twenty tokens '.repeat(4))).rejects.toMatchObject({
      status: 400,
      error: expect.objectContaining({ type: 'BadRequestError' }),
    });
  });

  it('serves text completions', async () => {
    const fake = await start();
    const answer = await client(fake).completions.create({ model: 'local-llama', prompt: 'once upon' });
    expect(answer.choices[0]).toMatchObject({ text: 'local: once upon', finish_reason: 'stop' });
    let streamed = '';
    for await (const c of await client(fake).completions.create({ model: 'local-llama', prompt: 'a', stream: true }))
      streamed += c.choices[0]?.text ?? '';
    expect(streamed).toBe('local: a');
  });

  it("answers a wrong model with vLLM's 404 error body, and an unknown route with FastAPI's", async () => {
    const fake = await start();
    await expect(ask(fake, 'hi', { model: 'other' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const raw = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'other', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({
      error: { message: 'The model `other` does not exist.', type: 'NotFoundError', param: null, code: 404 },
    });
    const unknown = await fetch(`${fake.url}/embeddings`, { method: 'POST', body: '{}' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { detail: 'Not Found' }]);
  });

  it("serves the test embedder's vectors when the task is embed, as floats and base64, and no chat", async () => {
    const fake = await start({ args: { pooling: true } });
    const floats = await client(fake).embeddings.create({
      model: 'local-llama',
      input: ['capital of France', 'fast car'],
      encoding_format: 'float',
    });
    expect(floats.data.map((d) => d.embedding)).toEqual([
      testEmbedding('capital of France'),
      testEmbedding('fast car'),
    ]);
    // The SDK asks base64 by default and decodes the float32 array.
    const decoded = await client(fake).embeddings.create({ model: 'local-llama', input: 'capital of France' });
    const expected = testEmbedding('capital of France');
    decoded.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    await expect(ask(fake)).rejects.toMatchObject({ status: 404 });
  });

  it('wants the bearer key on /v1 with --api-key, not on /health or /metrics', async () => {
    const fake = await start({ args: { apiKey: 'sk-local' } });
    await expect(ask(fake)).rejects.toMatchObject({ status: 401 });
    const answer = await client(fake, { apiKey: 'sk-local' }).chat.completions.create({
      model: 'local-llama',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('local: hi');
    expect((await fetch(`${fake.origin}/health`)).status).toBe(200);
    expect((await fetch(`${fake.origin}/metrics`)).status).toBe(200);
  });

  it("exports vLLM's metric names with the model_name label", async () => {
    const fake = await start();
    await ask(fake);
    const text = await (await fetch(`${fake.origin}/metrics`)).text();
    expect(text).toContain('# TYPE vllm:num_requests_running gauge');
    expect(text).toContain('# TYPE vllm:request_success_total counter');
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:gpu_cache_usage_perc',
      'vllm:kv_cache_usage_perc',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
    ])
      expect(text).toMatch(new RegExp(`^${name}\\{engine="0",model_name="local-llama"\\} \\d`, 'm'));
    expect(text).toContain(
      'vllm:request_success_total{engine="0",finished_reason="stop",model_name="local-llama"} 1.0',
    );
    expect(await metric(fake, 'vllm:generation_tokens_total')).toBe(3);
  });

  it('logs one access line per request, without the prompt', async () => {
    const lines: string[] = [];
    const fake = await start({ logLine: (l) => lines.push(l) });
    await ask(fake, 'secret words');
    await waitFor(() => Promise.resolve(lines.length === 1), { timeoutMs: 2000, intervalMs: 10 });
    expect(lines[0]).toMatch(/^INFO: +127\.0\.0\.1:\d+ - "POST \/v1\/chat\/completions HTTP\/1\.1" 200 OK$/);
    expect(lines.join('\n')).not.toContain('secret');
  });
});

describe('fake vLLM capacity', () => {
  it('runs max-num-seqs requests at once, the others wait, and the metrics show it', async () => {
    const fake = await start({ args: { maxNumSeqs: 2 }, tokenMs: 150 });
    const answers = Array.from({ length: 4 }, () => streamText(fake));
    await waitFor(async () => (await metric(fake, 'vllm:num_requests_waiting')) === 2, { intervalMs: 20 });
    expect(await metric(fake, 'vllm:num_requests_running')).toBe(2);
    expect(await metric(fake, 'vllm:kv_cache_usage_perc')).toBe(1);
    expect(await metric(fake, 'vllm:gpu_cache_usage_perc')).toBe(1);
    expect(await Promise.all(answers)).toEqual(Array(4).fill('local: hello there'));
    expect(fake.stats()).toMatchObject({ calls: 4, completed: 4, maxRunning: 2, running: 0, waiting: 0 });
    expect(await metric(fake, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('serves waiting requests first come, first served', async () => {
    const fake = await start({ args: { maxNumSeqs: 1 }, tokenMs: 40 });
    const order: number[] = [];
    const runs: Promise<void>[] = [];
    for (const i of [0, 1, 2]) {
      runs.push(streamText(fake, `request ${i}`).then(() => void order.push(i)));
      await waitFor(() => Promise.resolve(fake.stats().running + fake.stats().waiting === i + 1), { intervalMs: 5 });
    }
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2]);
  });

  it('drops a waiting request whose client went away from the queue', async () => {
    const fake = await start({ args: { maxNumSeqs: 1 } });
    await fake.setFault({ hang: true }, 1);
    const holder = new AbortController();
    const held = askStream(fake, 'hold', holder.signal).catch((e: unknown) => e);
    await waitFor(() => Promise.resolve(fake.stats().running === 1), { intervalMs: 5 });
    const waiter = new AbortController();
    const waiting = askStream(fake, 'wait', waiter.signal).catch((e: unknown) => e);
    await waitFor(async () => (await metric(fake, 'vllm:num_requests_waiting')) === 1, { intervalMs: 10 });
    waiter.abort();
    await waiting;
    await waitFor(async () => (await metric(fake, 'vllm:num_requests_waiting')) === 0, { intervalMs: 10 });
    expect(fake.stats()).toMatchObject({ running: 1, waiting: 0, disconnects: 1 });
    holder.abort();
    await held;
    await waitFor(() => Promise.resolve(fake.stats().running === 0), { intervalMs: 5 });
    expect(await streamText(fake)).toBe('local: hello there');
    expect(fake.stats()).toMatchObject({ completed: 1, disconnects: 2 });
  });

  it('lets running requests finish on close within the drain time', async () => {
    const fake = await start({ tokenMs: 50 });
    const answer = streamText(fake);
    await waitFor(() => Promise.resolve(fake.stats().running === 1), { intervalMs: 5 });
    await fake.close(2000);
    expect(await answer).toBe('local: hello there');
  });
});

describe('fake vLLM faults', () => {
  it('refuses connections until the faults are cleared, or for a while', async () => {
    const fake = await start();
    await fake.setFault({ refuse: true });
    expect(await refused(fake)).toBe(true);
    expect(fake.stats().listening).toBe(false);
    await fake.clearFaults();
    expect((await ask(fake)).choices[0]?.message.content).toBe('local: hello there');
    await fake.setFault({ refuse: true, forMs: 200 });
    expect(await refused(fake)).toBe(true);
    await waitFor(async () => !(await refused(fake)), { timeoutMs: 3000, intervalMs: 50 });
  });

  it('answers a status before any byte for the next N calls, or for every call until cleared', async () => {
    const fake = await start();
    await fake.setFault({ status: 503 }, 2);
    for (const _ of [1, 2])
      await expect(ask(fake)).rejects.toMatchObject({
        status: 503,
        error: expect.objectContaining({ type: 'ServiceUnavailableError', code: 503 }),
      });
    expect((await ask(fake)).choices[0]?.message.content).toBe('local: hello there');
    await fake.setFault({ status: 500, message: 'engine broke' });
    for (const _ of [1, 2, 3]) await expect(ask(fake)).rejects.toMatchObject({ status: 500 });
    await fake.clearFaults();
    expect((await ask(fake)).choices[0]?.message.content).toBe('local: hello there');
    expect(fake.stats().calls).toBe(7);
  });

  it('hangs before the first token: no header at all, holding a running slot', async () => {
    const fake = await start();
    await fake.setFault({ hang: true }, 1);
    expect(await headersWithin(`${fake.url}/chat/completions`, 300)).toBe('nothing');
    await waitFor(() => Promise.resolve(fake.stats().running === 0), { intervalMs: 10 });
    expect(fake.stats().disconnects).toBe(1);
    await fake.setFault({ hang: true }, 1);
    await expect(
      client(fake, { timeout: 200 }).chat.completions.create({
        model: 'local-llama',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('delays the first token, and with it the headers, by the fault', async () => {
    const fake = await start();
    await fake.setFault({ firstTokenDelayMs: 400 }, 1);
    expect(await headersWithin(`${fake.url}/chat/completions`, 200)).toBe('nothing');
    await fake.setFault({ firstTokenDelayMs: 300 }, 1);
    const t0 = Date.now();
    const stream = await askStream(fake);
    const first = (await stream[Symbol.asyncIterator]().next()).value as OpenAI.ChatCompletionChunk;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(first.choices[0]?.delta.role).toBe('assistant');
    const t1 = Date.now();
    await ask(fake);
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it('dies mid-stream after N tokens: the stream breaks and the port closes until listen()', async () => {
    const fake = await start();
    await fake.setFault({ dieMidStream: 2 }, 1);
    const got: string[] = [];
    const failure = await (async () => {
      for await (const chunk of await askStream(fake)) got.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    // undici's "terminated": the body ended without its last chunk (the Error class is another realm's under jest).
    expect(failure).toMatchObject({ message: expect.any(String) });
    expect(got.join('')).toBe('local: hello');
    expect(await refused(fake)).toBe(true);
    await fake.listen();
    expect(await streamText(fake)).toBe('local: hello there');
  });

  it('hands a death to onDie (the executable exits 1)', async () => {
    const onDie = jest.fn();
    const fake = await start({ onDie });
    await fake.setFault({ dieMidStream: 0 }, 1);
    expect(await headersWithin(`${fake.url}/chat/completions`, 300)).toBe('nothing');
    expect(onDie).toHaveBeenCalledTimes(1);
  });
});

describe('fake vLLM control API', () => {
  const post = (fake: FakeVllm, body: unknown) =>
    fetch(`${fake.origin}/fake/faults`, { method: 'POST', body: JSON.stringify(body) });

  it('sets faults and reports counters over HTTP', async () => {
    const fake = await start({ control: true });
    expect((await post(fake, { status: 503, calls: 1 })).status).toBe(204);
    await expect(ask(fake)).rejects.toMatchObject({ status: 503 });
    await ask(fake);
    const stats = await (await fetch(`${fake.origin}/fake/stats`)).json();
    expect(stats).toEqual({
      calls: 2,
      completed: 1,
      disconnects: 0,
      maxRunning: 1,
      running: 0,
      waiting: 0,
      listening: true,
    });
    expect((await post(fake, { hang: true })).status).toBe(204);
    expect((await post(fake, { clear: true })).status).toBe(204);
    expect((await ask(fake)).choices[0]?.message.content).toBe('local: hello there');
  });

  it('refuses for forMs only, and rejects what is not one fault', async () => {
    const fake = await start({ control: true });
    expect((await post(fake, { refuse: true })).status).toBe(400);
    expect((await post(fake, { hang: true, status: 503 })).status).toBe(400);
    expect((await post(fake, { status: 200 })).status).toBe(400);
    expect((await post(fake, { refuse: true, forMs: 300 })).status).toBe(204);
    await waitFor(() => refused(fake), { timeoutMs: 1000, intervalMs: 20 });
    await waitFor(async () => !(await refused(fake)), { timeoutMs: 3000, intervalMs: 50 });
  });

  it('is absent unless enabled', async () => {
    const fake = await start();
    expect((await fetch(`${fake.origin}/fake/stats`)).status).toBe(404);
  });
});
