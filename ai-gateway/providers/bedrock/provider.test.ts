import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../../testing/wait.js';
import type { ChatChunk, ChatRequest } from '../../openai/types.js';
import { MidStreamError, type CallContext, type ChatAttempt, type ChunkStream } from '../provider.js';
import { BedrockProvider } from './provider.js';
import { startFakeBedrock, type FakeBedrock } from '../../../testing/fake-bedrock/fake-bedrock.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const CREDENTIALS = { accessKeyId: 'AKIDFAKEBEDROCKTEST', secretAccessKey: 'fake-secret-for-tests' };
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

let fake: FakeBedrock;
let provider: BedrockProvider;

beforeAll(async () => {
  fake = await startFakeBedrock();
  provider = new BedrockProvider(
    { name: 'bedrock', type: 'bedrock', baseUrl: fake.url, region: 'us-east-1', maxSockets: 8 },
    { credentials: CREDENTIALS, connectTimeoutMs: 1_000 },
  );
});
afterEach(() => fake.reset());
afterAll(async () => {
  provider.close();
  await fake.close();
});

function ctx(signal = new AbortController().signal): CallContext {
  return { signal, requestId: 'req-1' };
}

function chat(overrides: Partial<ChatRequest> = {}, c = ctx()): Promise<ChatAttempt> {
  return provider.chat({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], ...overrides }, c);
}

async function started(attempt: Promise<ChatAttempt>): Promise<ChunkStream> {
  const a = await attempt;
  if (!('stream' in a)) throw new Error(`expected a stream, got ${JSON.stringify(a)}`);
  return a.stream;
}

async function drain(s: ChunkStream): Promise<ChatChunk[]> {
  const out = [s.first];
  for await (const c of s.rest) out.push(c);
  return out;
}

describe('BedrockProvider chat through the real SDK', () => {
  it('answers a completion with usage, and sends Converse the system prompt and inference settings', async () => {
    const a = await chat({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      max_tokens: 50,
      temperature: 0.2,
      stop: ['END'],
    });
    expect(a).toEqual({
      ok: true,
      completion: expect.objectContaining({
        id: 'chatcmpl-req-1',
        object: 'chat.completion',
        model: MODEL,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'echo: hello there' },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } },
      }),
    });
    expect(fake.count(MODEL, 'converse')).toBe(1);
    expect(fake.last('converse')?.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
      system: [{ text: 'be brief' }],
      inferenceConfig: { maxTokens: 50, temperature: 0.2, stopSequences: ['END'] },
    });
    expect(String(fake.last('converse')?.headers.authorization)).toContain('Credential=AKIDFAKEBEDROCKTEST/');
  });

  it('returns tool calls with their input as a JSON string, and JSON-schema answers as content', async () => {
    const tools = await chat({
      messages: [{ role: 'user', content: 'call get_weather {"city":"Paris"}' }],
      tools: [WEATHER],
    });
    expect(tools).toMatchObject({
      completion: {
        choices: [
          {
            message: {
              content: null,
              tool_calls: [
                {
                  id: expect.stringMatching(/^tooluse_/),
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
    });
    const json = await chat({
      messages: [{ role: 'user', content: 'answer {"answer": 42}' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    });
    expect(json).toMatchObject({
      completion: { choices: [{ message: { content: '{"answer":42}' }, finish_reason: 'stop' }] },
    });
  });

  it('streams event by event: role, text, finish, then the usage chunk', async () => {
    const chunks = await drain(await started(chat({ stream: true })));
    expect(
      chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null, c.usage ?? null]),
    ).toEqual([
      [{ role: 'assistant', content: '' }, null, null],
      [{ content: 'echo: ' }, null, null],
      [{ content: 'hello ' }, null, null],
      [{ content: 'there' }, null, null],
      [{}, 'stop', null],
      [
        null,
        null,
        { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } },
      ],
    ]);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(fake.count(MODEL, 'converse-stream')).toBe(1);
  });

  it('streams tool calls: the call named first, then its arguments in pieces', async () => {
    const s = await started(
      chat({
        stream: true,
        messages: [{ role: 'user', content: 'call get_weather {"city":"Oslo"} and call get_weather {"city":"Rome"}' }],
        tools: [WEATHER],
      }),
    );
    const deltas = (await drain(s)).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.filter((d) => d.id !== undefined)).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^tooluse_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
      {
        index: 1,
        id: expect.stringMatching(/^tooluse_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
    ]);
    const args = (i: number): string =>
      deltas
        .filter((d) => d.index === i)
        .map((d) => d.function?.arguments ?? '')
        .join('');
    expect([JSON.parse(args(0)), JSON.parse(args(1))]).toEqual([{ city: 'Oslo' }, { city: 'Rome' }]);
    expect(deltas.filter((d) => d.index === 0).length).toBeGreaterThan(2);
  });

  it('refuses a request Bedrock cannot take without calling it', async () => {
    const a = await chat({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
    });
    expect(a).toMatchObject({ ok: false, failure: { status: 400, type: 'invalid_request_error', retryable: false } });
    expect(fake.calls().total).toBe(0);
  });
});

describe('BedrockProvider failures before the first byte', () => {
  it.each([
    [
      { kind: 'status', status: 429, retryAfterSeconds: 2 },
      { status: 429, type: 'rate_limit_error', retryable: true, retryAfterMs: 2000 },
    ],
    [
      { kind: 'status', status: 500 },
      { status: 502, type: 'upstream_error', retryable: true },
    ],
    [
      { kind: 'status', status: 503 },
      { status: 503, type: 'upstream_error', retryable: true },
    ],
    // Under Jest's module sandbox the SDK wraps a reset socket's error and its code is lost (errors.test.ts maps it).
    [
      { kind: 'drop', afterEvents: 0 },
      { status: 502, retryable: true },
    ],
  ] as const)(
    '%j is a retryable failure, for completions and streams, in one upstream call',
    async (failure, expected) => {
      for (const stream of [false, true]) {
        fake.reset();
        fake.addRule({ failure });
        expect(await chat({ stream })).toEqual({ ok: false, failure: expect.objectContaining(expected) });
        expect(fake.count()).toBe(1);
      }
    },
  );

  it('an exception event before the first chunk is a failure, mapped by its type', async () => {
    fake.addRule({ failure: { kind: 'exception', afterEvents: 0, exceptionType: 'throttlingException' } });
    expect(await chat({ stream: true })).toMatchObject({ ok: false, failure: { status: 429, retryable: true } });
  });

  it('maps refusals to non-retryable failures whose messages carry no ARN', async () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/gw-role/i-0abc';
    fake.addRule({ failure: { kind: 'status', status: 403, message: `User: ${arn} is not authorized` } });
    const denied = await chat();
    expect(denied).toMatchObject({ ok: false, failure: { status: 403, type: 'permission_error', retryable: false } });
    fake.addRule({ failure: { kind: 'status', status: 400, message: `messages: roles must alternate (${arn})` } });
    const invalid = await chat();
    expect(invalid).toMatchObject({ ok: false, failure: { status: 400, retryable: false } });
    expect(JSON.stringify([denied, invalid])).not.toContain('123456789012');
    expect(JSON.stringify(invalid)).toContain('roles must alternate');
  });

  it('a hang before the first byte ends as soon as the caller aborts', async () => {
    for (const stream of [false, true]) {
      fake.reset();
      fake.addRule({ failure: { kind: 'hang' } });
      const abort = new AbortController();
      const attempt = chat({ stream }, ctx(abort.signal));
      await waitFor(() => Promise.resolve(fake.count() === 1), { timeoutMs: 5_000, intervalMs: 10 });
      abort.abort();
      expect(await attempt).toMatchObject({ ok: false, failure: { code: 'aborted', retryable: false } });
      await waitFor(() => Promise.resolve(fake.calls().disconnects === 1), { timeoutMs: 2_000, intervalMs: 10 });
    }
  });
});

describe('BedrockProvider failures after the first chunk', () => {
  it.each([
    { kind: 'drop', afterEvents: 3 },
    { kind: 'exception', afterEvents: 3, exceptionType: 'modelStreamErrorException' },
  ] as const)('%j ends the stream with MidStreamError', async (failure) => {
    fake.addRule({ failure });
    const s = await started(chat({ stream: true }));
    expect(s.first.choices[0]?.delta.role).toBe('assistant');
    await expect(drain(s)).rejects.toBeInstanceOf(MidStreamError);
  });

  it.each([
    [
      'stops reading',
      (s: ChunkStream): Promise<unknown> => s.rest[Symbol.asyncIterator]().return?.() ?? Promise.resolve(),
    ],
    ['aborts', (_: ChunkStream, abort: AbortController): Promise<void> => Promise.resolve(abort.abort())],
  ])('a caller that %s mid-stream stops the upstream call', async (_, stop) => {
    fake.addRule({ failure: { kind: 'slow', eventDelayMs: 50 } });
    const abort = new AbortController();
    const s = await started(
      chat({ stream: true, messages: [{ role: 'user', content: 'a long answer' }] }, ctx(abort.signal)),
    );
    await stop(s, abort);
    await waitFor(() => Promise.resolve(fake.calls().disconnects === 1), { timeoutMs: 2_000, intervalMs: 10 });
  });

  it('close() lets a stream in flight finish', async () => {
    const other = new BedrockProvider(
      { name: 'b2', type: 'bedrock', baseUrl: fake.url, region: 'us-east-1', maxSockets: 2 },
      { credentials: CREDENTIALS },
    );
    fake.addRule({ failure: { kind: 'slow', eventDelayMs: 20 } });
    const s = await started(
      other.chat({ model: MODEL, messages: [{ role: 'user', content: 'a b c' }], stream: true }, ctx()),
    );
    other.close();
    expect((await drain(s)).at(-1)?.usage).toMatchObject({ completion_tokens: 4 });
  });
});
