// The data plane's local models end to end in process: the fake OpenAI server stands in for vLLM, the fake remote
// upstreams are the fallback. Zero egress is proven in local-gateway-egress.test.ts.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type OpenAI from 'openai';
import { startLocalGateway, type LocalGateway } from '../testing/local-gateway-fixture.js';
import { waitFor } from '../testing/wait.js';

jest.setTimeout(10_000);

let t: LocalGateway;
let n = 0;
/** A prompt no earlier call sent: the exact cache never answers it. */
const said = (what: string): { role: 'user'; content: string }[] => [
  { role: 'user', content: `${what} ${++n} ${Date.now()}` },
];

beforeAll(async () => {
  t = await startLocalGateway([
    { name: 'local/llama', server: 'live', overflow: { policy: 'reject' }, fallback: true },
    { name: 'local/spilly', server: 'live', overflow: { policy: 'spill' }, fallback: true },
    { name: 'local/queued', server: 'live', overflow: { policy: 'queue', queue: { maxSize: 1, maxWaitMs: 5_000 } } },
    { name: 'local/embed', kind: 'embeddings', server: 'live', overflow: { policy: 'reject' } },
  ]);
});

afterAll(async () => {
  await t?.stop();
});

/** A stream on `model` that the local server holds after its first event, until `t.local.release()`. */
async function holdStream(model: string): Promise<{ done: Promise<string> }> {
  t.local.faults.next({ holdAfterEvents: 1 });
  const stream = await t.client().chat.completions.create({ model, messages: said('hold'), stream: true });
  expect(t.local.held()).toBe(1);
  return { done: drain(stream) };
}

async function drain(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<string> {
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  return text;
}

async function audited(requestId: string | null): Promise<Record<string, unknown>> {
  return waitFor(async () => (requestId ? await t.auditLine(requestId) : undefined), {
    timeoutMs: 5_000,
    intervalMs: 25,
    what: `the audit line of ${requestId}`,
  });
}

describe('local/<name> served by the local server', () => {
  it('answers a chat, streamed and not, from the local server; the repeat from the cache', async () => {
    const remote = t.remoteCalls();
    const messages = said('hello local');
    const first = await t.client().chat.completions.create({ model: 'local/llama', messages }).withResponse();
    expect(first.data.choices[0]?.message.content).toBe(`echo: ${messages[0]!.content}`);
    expect(first.response.headers.get('x-csgw-cache')).toBe('miss');
    expect(t.local.log.last()).toMatchObject({ path: '/v1/chat/completions', model: 'llama' });
    const again = await t.client().chat.completions.create({ model: 'local/llama', messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('hit');
    const streamed = said('stream local');
    const text = await drain(
      await t.client().chat.completions.create({ model: 'local/llama', messages: streamed, stream: true }),
    );
    expect(text).toBe(`echo: ${streamed[0]!.content}`);
    expect(t.remoteCalls()).toBe(remote);
    const line = await audited(first.response.headers.get('x-request-id'));
    expect(line).toMatchObject({
      requestedModel: 'local/llama',
      provider: 'local/llama',
      costUsd: 0,
      local: { policy: 'reject', decision: 'served', queuedMs: 0 },
    });
  });

  it('answers embeddings from the local server', async () => {
    const calls = t.local.log.countFor('embed');
    const e = await t.client().embeddings.create({ model: 'local/embed', input: ['a', 'b'] });
    expect(e.data).toHaveLength(2);
    expect(t.local.log.countFor('embed')).toBe(calls + 1);
  });

  it('lists the local models in /v1/models', async () => {
    const ids = (await t.client().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['local/llama', 'local/spilly', 'local/queued', 'openai-chat']));
  });
});

describe('overflow at capacity (maxConcurrency 1, one stream held)', () => {
  it('reject: the second request gets 429 local_capacity at once', async () => {
    const held = await holdStream('local/llama');
    const started = Date.now();
    const refused = await t
      .client()
      .chat.completions.create({ model: 'local/llama', messages: said('second') })
      .withResponse()
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(refused).toMatchObject({ status: 429, code: 'local_capacity' });
    // The SDK's APIError carries the response's headers.
    const id = (refused as { headers?: Headers }).headers?.get('x-request-id') ?? null;
    t.local.release();
    expect(await held.done).toMatch(/^echo: hold/);
    expect(await audited(id)).toMatchObject({
      status: 429,
      local: { policy: 'reject', decision: 'rejected', queuedMs: 0, reason: 'at_capacity' },
    });
  });

  it('spill: the second request goes to the fallback, once', async () => {
    const held = await holdStream('local/spilly');
    const remote = t.remote.count('openai', 'openai-primary');
    const messages = said('spill me');
    const reply = await t.client().chat.completions.create({ model: 'local/spilly', messages }).withResponse();
    expect(reply.data.choices[0]?.message.content).toBe(`echo: ${messages[0]!.content}`);
    expect(t.remote.count('openai', 'openai-primary')).toBe(remote + 1);
    t.local.release();
    await held.done;
    expect(await audited(reply.response.headers.get('x-request-id'))).toMatchObject({
      status: 200,
      local: { policy: 'spill', decision: 'spilled', spilledTo: 'openai-chat', reason: 'at_capacity', queuedMs: 0 },
    });
    // A spilled answer is not the local model's: its repeat is not served from the cache as one.
    const again = await t.client().chat.completions.create({ model: 'local/spilly', messages }).withResponse();
    expect(again.response.headers.get('x-csgw-cache')).toBe('miss');
  });

  it('queue: the second request waits, then is served locally once the first ends', async () => {
    const held = await holdStream('local/queued');
    const remote = t.remoteCalls();
    const messages = said('queued');
    const waiting = t.client().chat.completions.create({ model: 'local/queued', messages }).withResponse();
    await waitFor(async () => (await t.status('local/queued'))?.queued === 1, {
      timeoutMs: 3_000,
      intervalMs: 20,
      what: 'the second request queued',
    });
    await new Promise((r) => setTimeout(r, 100));
    t.local.release();
    const reply = await waiting;
    expect(reply.data.choices[0]?.message.content).toBe(`echo: ${messages[0]!.content}`);
    await held.done;
    expect(t.remoteCalls()).toBe(remote);
    const line = await audited(reply.response.headers.get('x-request-id'));
    expect(line).toMatchObject({ status: 200, local: { policy: 'queue', decision: 'served' } });
    expect((line.local as { queuedMs: number }).queuedMs).toBeGreaterThanOrEqual(90);
    expect(await t.status('local/queued')).toMatchObject({ running: 0, queued: 0 });
  });

  it('queue: a request beyond the full queue gets 429 local_queue_full', async () => {
    const held = await holdStream('local/queued');
    const waiting = t.client().chat.completions.create({ model: 'local/queued', messages: said('queued') });
    await waitFor(async () => (await t.status('local/queued'))?.queued === 1, {
      timeoutMs: 3_000,
      intervalMs: 20,
      what: 'one request queued',
    });
    const res = await t.post({ model: 'local/queued', messages: said('one too many') });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'local_queue_full' } });
    t.local.release();
    await Promise.all([held.done, waiting]);
    expect(await audited(res.headers.get('x-request-id'))).toMatchObject({
      local: { policy: 'queue', decision: 'rejected', reason: 'queue_full' },
    });
  });

  it('queue: a client that leaves the queue frees its place', async () => {
    const held = await holdStream('local/queued');
    const leaving = new AbortController();
    const gone = t
      .client()
      .chat.completions.create({ model: 'local/queued', messages: said('leaving') }, { signal: leaving.signal })
      .catch((e: unknown) => e);
    await waitFor(async () => (await t.status('local/queued'))?.queued === 1, {
      timeoutMs: 3_000,
      intervalMs: 20,
      what: 'the leaving request queued',
    });
    leaving.abort();
    await gone;
    await waitFor(async () => (await t.status('local/queued'))?.queued === 0, {
      timeoutMs: 3_000,
      intervalMs: 20,
      what: 'the queue emptied',
    });
    t.local.release();
    await held.done;
    const calls = t.local.log.countFor('queued');
    await t.client().chat.completions.create({ model: 'local/queued', messages: said('after') });
    expect(t.local.log.countFor('queued')).toBe(calls + 1);
  });
});
