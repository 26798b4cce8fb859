// The semantic cache in the data plane, in process: the fake vLLM (task embed) is the embedding model, serving the
// deterministic test embedder's vectors (testing/deterministic-embedder.ts: TEST ONLY); the fake upstreams answer.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { AiGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './daemon.js';
import {
  FAKE_AWS_CREDENTIALS,
  fakeGatewayConfig,
  GATEWAY_KEYS,
  startFakeLlmUpstreams,
  type FakeLlmUpstreams,
} from '../testing/fake-llm-upstreams.js';
import { startFakeVllm, type FakeVllm } from '../testing/fake-vllm.js';

jest.setTimeout(15_000);

let dir: string;
let file: string;
let upstreams: FakeLlmUpstreams;
let embedder: FakeVllm;
let gw: RunningGateway;
let n = 0;

const FREE = { input: 0, output: 0, cachedInput: 0 };

function config(): AiGatewayConfig {
  const base = fakeGatewayConfig(dir, {
    openai: upstreams.openai.url,
    anthropic: upstreams.anthropic.url,
    bedrock: upstreams.bedrock.url,
  });
  return {
    ...base,
    providers: [...base.providers, { name: 'embedder', type: 'openai', baseUrl: embedder.url, maxSockets: 8 }],
    models: [
      ...base.models,
      { name: 'bge', kind: 'embeddings', targets: [{ provider: 'embedder', model: 'bge', price: FREE }] },
    ],
    // A local model on a closed port whose prompts must stay (reject): the remote embedder must never see them.
    localModels: [
      {
        name: 'local/sealed',
        servedName: 'sealed',
        baseUrl: 'http://127.0.0.1:9/v1',
        metricsUrl: 'http://127.0.0.1:9/metrics',
        kind: 'chat',
        overflow: {
          policy: 'reject',
          maxConcurrency: 1,
          queue: { maxSize: 0, maxWaitMs: 0 },
          firstTokenTimeoutMs: 1000,
        },
      },
    ],
    semanticCache: {
      enabled: true,
      embeddingModel: 'bge',
      threshold: 0.95,
      ttlSeconds: 3600,
      maxEntries: 1000,
      dir: join(dir, 'semantic'),
      embedTimeoutMs: 1000,
    },
  };
}

const client = (key = GATEWAY_KEYS.teamA): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${gw.listening.port}/v1`, maxRetries: 0 });

type Body = Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, 'model' | 'messages'>;

/** Asks `question` (after an optional system prompt); returns the answer and how it was served. */
async function ask(question: string, opts: { model?: string; system?: string; key?: string; body?: Body } = {}) {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    ...(opts.system ? [{ role: 'system' as const, content: opts.system }] : []),
    { role: 'user', content: question },
  ];
  const { data, response } = await client(opts.key)
    .chat.completions.create({ model: opts.model ?? 'openai-chat', messages, ...opts.body })
    .withResponse();
  return {
    text: data.choices[0]?.message.content,
    cache: response.headers.get('x-csgw-cache'),
    similarity: response.headers.get('x-csgw-similarity'),
  };
}

/** A question no other test asked (the tag is a content word, so it partitions nothing but the wording). */
const fresh = (q: string): string => `${q} zq${++n}`;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
  });
  dir = await mkdtemp(join(tmpdir(), 'csgw-semantic-'));
  upstreams = await startFakeLlmUpstreams();
  embedder = await startFakeVllm({
    args: { host: '127.0.0.1', port: 0, model: 'bge', servedModelNames: ['bge'], pooling: true },
  });
  file = join(dir, 'ai-gateway.json');
  await writeFile(file, JSON.stringify(config()));
  gw = await startGateway(file, pino({ level: 'silent' }));
});

afterAll(async () => {
  await gw?.stop();
  await embedder?.close();
  await upstreams?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the semantic cache', () => {
  it('answers a paraphrase from the cache with its similarity, and a different question upstream', async () => {
    const tag = `zq${++n}`;
    const first = await ask(`What is the capital of France ${tag}?`);
    expect(first.cache).toBe('miss');
    const calls = upstreams.count('openai');
    const paraphrase = await ask(`What's France's capital city ${tag}?`);
    expect(paraphrase).toMatchObject({ cache: 'semantic', text: first.text });
    expect(Number(paraphrase.similarity)).toBeGreaterThanOrEqual(0.95);
    expect(upstreams.count('openai')).toBe(calls);
    const other = await ask(`What is the capital of Germany ${tag}?`);
    expect(other.cache).toBe('miss');
    expect(other.text).toContain('Germany');
    const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/csgw_ai_semantic_lookups_total\{result="hit"\} [1-9]/);
    expect(metrics).toMatch(/csgw_ai_semantic_lookups_total\{result="miss"\} [1-9]/);
    expect(metrics).toMatch(/csgw_ai_requests_total\{[^}]*cache="semantic"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/csgw_ai_semantic_embedding_seconds_count [1-9]/);
  });

  it('replays a semantic hit as a stream', async () => {
    const tag = `zq${++n}`;
    const first = await ask(`Explain how a car engine works ${tag}`);
    let text = '';
    const stream = await client()
      .chat.completions.create({
        model: 'openai-chat',
        messages: [{ role: 'user', content: `Please describe how car engines work ${tag}` }],
        stream: true,
      })
      .withResponse();
    expect(stream.response.headers.get('x-csgw-cache')).toBe('semantic');
    for await (const c of stream.data) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(first.text);
  });

  it.each([
    ['another model', { model: 'anthropic-chat' }],
    ['another system prompt', { system: 'Answer in French.' }],
    ['another parameter that changes the output', { body: { temperature: 0.2 } }],
    ['another key (scope key)', { key: GATEWAY_KEYS.teamB }],
  ])('never serves a hit across %s', async (_what, differs) => {
    const tag = `zq${++n}`;
    await ask(`What is the biggest planet ${tag}?`);
    expect((await ask(`Which planet is the largest ${tag}?`)).cache).toBe('semantic');
    expect((await ask(`Which planet is the largest ${tag}?`, differs)).cache).toBe('miss');
  });

  it('treats an embedder outage as a plain miss: the client gets its answer', async () => {
    const question = fresh('What is the tallest mountain');
    await ask(question);
    await embedder.setFault({ status: 503 });
    try {
      const during = await ask(`${question} please`);
      expect(during.cache).toBe('miss');
      expect(during.text).toContain('tallest');
    } finally {
      await embedder.clearFaults();
    }
    // The same paraphrase with the embedder back: the lookup that failed would have hit.
    expect((await ask(`Please, ${question}`)).cache).toBe('semantic');
  });

  it('never embeds the prompt of a local model that must keep it, with an embedder that is not local', async () => {
    const before = embedder.stats().calls;
    await expect(ask(fresh('A secret question for the local model'), { model: 'local/sealed' })).rejects.toMatchObject({
      status: 503,
    });
    expect(embedder.stats().calls).toBe(before);
  });

  it('keeps its entries across a restart', async () => {
    const tag = `zq${++n}`;
    const first = await ask(`What is the biggest ocean ${tag}?`);
    await gw.stop();
    gw = await startGateway(file, pino({ level: 'silent' }));
    expect(await ask(`Which ocean is the largest ${tag}?`)).toMatchObject({ cache: 'semantic', text: first.text });
  });
});
