import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeAnthropic, type FakeAnthropic } from '../../../testing/fake-anthropic.js';
import { waitFor } from '../../../testing/wait.js';
import type { ProviderConfig } from '../../config.js';
import type { ChatChunk, ChatCompletion, ChatMessage, ChatRequest } from '../../openai/types.js';
import {
  MidStreamError,
  type CallContext,
  type ChatAttempt,
  type ChunkStream,
  type UpstreamFailure,
} from '../provider.js';
import { AnthropicProvider } from './provider.js';

let fake: FakeAnthropic;
let provider: AnthropicProvider;

function config(over: Partial<ProviderConfig> = {}): ProviderConfig {
  return { name: 'anthropic', type: 'anthropic', baseUrl: fake.url, apiKey: fake.apiKey, maxSockets: 4, ...over };
}

function ctx(signal: AbortSignal = new AbortController().signal): CallContext {
  return { signal, requestId: 'req-1' };
}

function chat(req: Partial<ChatRequest>, c: CallContext = ctx(), p = provider): Promise<ChatAttempt> {
  return p.chat({ model: 'claude-test', messages: [{ role: 'user', content: 'hello there' }], ...req }, c);
}

function completion(a: ChatAttempt): ChatCompletion {
  if (!a.ok || !('completion' in a)) throw new Error(`expected a completion, got ${JSON.stringify(a)}`);
  return a.completion;
}

function stream(a: ChatAttempt): ChunkStream {
  if (!a.ok || !('stream' in a)) throw new Error(`expected a stream, got ${JSON.stringify(a)}`);
  return a.stream;
}

function failure(a: ChatAttempt): UpstreamFailure {
  if (a.ok) throw new Error('expected a failure');
  return a.failure;
}

async function all(s: ChunkStream): Promise<ChatChunk[]> {
  const out = [s.first];
  for await (const c of s.rest) out.push(c);
  return out;
}

function contentOf(chunks: ChatChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
}

beforeAll(async () => {
  fake = await startFakeAnthropic({ cacheReadInputTokens: 30, cacheCreationInputTokens: 5 });
  provider = new AnthropicProvider(config(), { connectTimeoutMs: 2000 }, () => 1_700_000_000_000);
});

afterEach(() => {
  fake.calls.length = 0;
});

afterAll(async () => {
  provider.close();
  await fake.close();
});

describe('AnthropicProvider against the fake Messages API', () => {
  it('answers a chat, with usage including cached tokens', async () => {
    const out = completion(
      await chat({
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'hello there' },
        ],
      }),
    );
    expect(out).toMatchObject({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-test',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: hello there' }, finish_reason: 'stop' }],
    });
    const u = out.usage!;
    expect(u.prompt_tokens).toBeGreaterThan(35);
    expect(u).toMatchObject({ completion_tokens: 3, prompt_tokens_details: { cached_tokens: 30 } });
    expect(u.total_tokens).toBe(u.prompt_tokens + 3);
    expect(fake.calls[0]).toMatchObject({
      path: '/v1/messages',
      body: { system: 'Be kind.', max_tokens: 4096 },
      headers: { 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    });
  });

  it('streams in several chunks, then finish and usage chunks', async () => {
    const chunks = await all(
      stream(await chat({ stream: true, messages: [{ role: 'user', content: 'one two three' }] })),
    );
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(contentOf(chunks)).toBe('echo: one two three');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(2);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { completion_tokens: 4, prompt_tokens_details: { cached_tokens: 30 } },
    });
    expect(fake.calls[0]).toMatchObject({ stream: true, headers: { accept: 'text/event-stream' } });
  });

  it('reuses one keep-alive connection for calls in sequence, streamed or not', async () => {
    await all(stream(await chat({ stream: true })));
    completion(await chat({}));
    await all(stream(await chat({ stream: true })));
    expect(new Set(fake.calls.map((c) => c.remotePort)).size).toBe(1);
  });

  const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } }];
  const ask: ChatMessage = { role: 'user', content: 'call weather {"city":"Paris"}' };

  it('round-trips a tool call: the call, then the result the upstream accepts', async () => {
    const first = completion(await chat({ tools, messages: [ask] }));
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toEqual([
      { id: expect.any(String), type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
    ]);
    const history: ChatMessage[] = [
      ask,
      { role: 'assistant', content: message.content, tool_calls: message.tool_calls! },
      { role: 'tool', tool_call_id: message.tool_calls![0]!.id, content: 'sunny' },
    ];
    const second = completion(await chat({ tools, messages: history }));
    expect(second.choices[0]!.message.content).toBe('tool result: sunny');
  });

  it('streams a tool call as tool_calls deltas that add up to the arguments', async () => {
    const chunks = await all(stream(await chat({ tools, stream: true, messages: [ask] })));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'weather', arguments: '' } });
    expect(calls.every((c) => c.index === 0)).toBe(true);
    expect(calls.map((c) => c.function?.arguments ?? '').join('')).toBe('{"city":"Paris"}');
    expect(calls.length).toBeGreaterThan(2);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('answers a json_schema request with the JSON as content', async () => {
    const format = { type: 'json_schema' as const, json_schema: { name: 'answer', schema: { type: 'object' } } };
    const messages: ChatMessage[] = [{ role: 'user', content: 'give {"city":"Rome"}' }];
    const out = completion(await chat({ response_format: format, messages }));
    expect(out.choices[0]).toMatchObject({ message: { content: '{"city":"Rome"}' }, finish_reason: 'stop' });
    const chunks = await all(stream(await chat({ response_format: format, messages, stream: true })));
    expect(contentOf(chunks)).toBe('{"city":"Rome"}');
  });

  it('sends configured extra headers, never over its own', async () => {
    const p = new AnthropicProvider(
      config({
        headers: {
          'X-Api-Key': 'sk-evil',
          'Anthropic-Version': '1999-01-01',
          'Content-Type': 'text/plain',
          Authorization: 'Bearer sk-evil',
          'anthropic-beta': 'x-1',
        },
      }),
      { connectTimeoutMs: 2000 },
    );
    try {
      completion(await chat({}, ctx(), p));
      expect(fake.calls[0]!.headers).toMatchObject({
        'x-api-key': fake.apiKey,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        'anthropic-beta': 'x-1',
      });
      expect(JSON.stringify(fake.calls[0]!.headers)).not.toContain('sk-evil');
    } finally {
      p.close();
    }
  });

  it('refuses what it cannot translate without calling upstream', async () => {
    expect(failure(await chat({ n: 3 }))).toMatchObject({ status: 400, retryable: false });
    expect(fake.callCount()).toBe(0);
  });

  it('has no embeddings', async () => {
    const out = await provider.embeddings({ model: 'x', input: 'a' }, ctx());
    expect(out).toMatchObject({
      ok: false,
      failure: { status: 400, code: 'embeddings_unsupported', retryable: false },
    });
  });
});

describe('AnthropicProvider failures', () => {
  it('a 429 is retryable with the upstream retry-after', async () => {
    fake.failNext({ kind: 'status', status: 429, retryAfterSeconds: 7 });
    expect(failure(await chat({}))).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      retryable: true,
      retryAfterMs: 7000,
    });
  });

  it.each([
    [529, 503, 'upstream_overloaded'],
    [500, 502, 'upstream_unavailable'],
  ])('a %i is a retryable %i', async (from, to, code) => {
    fake.failModel('claude-test', { kind: 'status', status: from });
    try {
      expect(failure(await chat({ stream: true }))).toMatchObject({ status: to, code, retryable: true });
      expect(failure(await chat({}))).toMatchObject({ status: to, code, retryable: true });
    } finally {
      fake.failModel('claude-test', undefined);
    }
  });

  it('a wrong key is a non-retryable 401 whose message holds no key', async () => {
    const key = 'sk-ant-wrong-key-4242';
    const p = new AnthropicProvider(config({ apiKey: key }), { connectTimeoutMs: 2000 });
    try {
      const f = failure(await chat({}, ctx(), p));
      expect(f).toMatchObject({ status: 401, type: 'authentication_error', retryable: false });
      expect(f.message).toContain('authentication_error');
      expect(f.message).not.toContain(key);
    } finally {
      p.close();
    }
  });

  it('an echoed key is redacted from the failure message', async () => {
    // The fake's 401 says "invalid x-api-key": a key spelled like part of it stands for an upstream echoing the key.
    const p = new AnthropicProvider(config({ apiKey: 'x-api-key' }), { connectTimeoutMs: 2000 });
    try {
      const f = failure(await chat({}, ctx(), p));
      expect(f.message).toContain('invalid [redacted]');
    } finally {
      p.close();
    }
  });

  it('a hang before the first byte ends as soon as the caller aborts', async () => {
    fake.failNext({ kind: 'hang' });
    const abort = new AbortController();
    const attempt = chat({ stream: true }, ctx(abort.signal));
    await waitFor(() => Promise.resolve(fake.inFlight() === 1), { intervalMs: 10, what: 'the hung call' });
    abort.abort(new Error('first-token timeout'));
    const f = failure(await attempt);
    expect(f).toMatchObject({ status: 504, code: 'upstream_aborted', retryable: true });
    expect(f.message).toContain('first-token timeout');
    await waitFor(() => Promise.resolve(fake.inFlight() === 0), { intervalMs: 10, what: 'the upstream call to close' });
  });

  it('a drop mid-stream throws a MidStreamError after the chunks already sent', async () => {
    fake.failNext({ kind: 'drop', afterEvents: 5 });
    const s = stream(await chat({ stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }));
    const seen: ChatChunk[] = [s.first];
    const err = await (async (): Promise<unknown> => {
      try {
        for await (const c of s.rest) seen.push(c);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MidStreamError);
    expect(contentOf(seen)).toBe('echo: a');
  });

  it('an error event mid-stream throws a MidStreamError', async () => {
    fake.failNext({ kind: 'streamError', afterEvents: 4 });
    const s = stream(await chat({ stream: true }));
    await expect(all(s)).rejects.toThrow(/overloaded_error/);
  });

  it.each([
    ['a drop', { kind: 'drop' as const, afterEvents: 0 }, { status: 502, code: 'upstream_bad_response' }],
    [
      'an overloaded error event',
      { kind: 'streamError' as const, afterEvents: 0 },
      { status: 503, code: 'upstream_overloaded' },
    ],
    [
      'a rate-limit error event',
      { kind: 'streamError' as const, afterEvents: 0, errorType: 'rate_limit_error' },
      { status: 429 },
    ],
  ])('%s before the first chunk is a retryable failure, not a stream', async (_name, fault, expected) => {
    fake.failNext(fault);
    expect(failure(await chat({ stream: true }))).toMatchObject({ ...expected, retryable: true });
  });

  it('an abort mid-stream stops the upstream call', async () => {
    fake.failNext({ kind: 'stall', afterEvents: 4 });
    const abort = new AbortController();
    const s = stream(await chat({ stream: true }, ctx(abort.signal)));
    abort.abort(new Error('client gone'));
    await expect(all(s)).rejects.toBeInstanceOf(MidStreamError);
    await waitFor(() => Promise.resolve(fake.inFlight() === 0), { intervalMs: 10, what: 'the upstream call to close' });
  });

  it.each([true, false])(
    'an abort after the headers, before the first chunk (stream: %s), is the abort',
    async (streamed) => {
      fake.failNext({ kind: 'stall', afterEvents: 0 });
      const abort = new AbortController();
      const attempt = chat({ stream: streamed }, ctx(abort.signal));
      await waitFor(() => Promise.resolve(fake.inFlight() === 1), { intervalMs: 10, what: 'the stalled call' });
      abort.abort(new Error('first-token timeout'));
      expect(failure(await attempt)).toMatchObject({ status: 504, code: 'upstream_aborted', retryable: true });
    },
  );

  it('a non-stream answer cut in its body is a retryable failure', async () => {
    fake.failNext({ kind: 'drop', afterEvents: 0 });
    expect(failure(await chat({}))).toMatchObject({ status: 502, code: 'upstream_bad_response', retryable: true });
  });

  it('a consumer that stops reading early frees the upstream call', async () => {
    fake.failNext({ kind: 'stall', afterEvents: 5 });
    const s = stream(await chat({ stream: true }));
    for await (const c of s.rest) {
      expect(c.choices[0]?.delta.content).toBe('echo:');
      break;
    }
    await waitFor(() => Promise.resolve(fake.inFlight() === 0), { intervalMs: 10, what: 'the upstream call to close' });
  });

  it('close lets a call in flight finish, then closes its connection', async () => {
    const own = await startFakeAnthropic();
    const p = new AnthropicProvider(config({ baseUrl: own.url, apiKey: own.apiKey }), { connectTimeoutMs: 2000 });
    try {
      completion(await chat({}, ctx(), p));
      own.failNext({ kind: 'stall', afterEvents: 4 });
      const s = stream(await chat({ stream: true }, ctx(), p));
      expect(own.connections()).toBe(1);
      p.close();
      own.resume();
      expect(contentOf(await all(s))).toBe('echo: hello there');
      await waitFor(() => Promise.resolve(own.connections() === 0), {
        intervalMs: 10,
        what: 'the connection to close',
      });
    } finally {
      p.close();
      await own.close();
    }
  });

  it('close closes idle pooled connections', async () => {
    const own = await startFakeAnthropic();
    const p = new AnthropicProvider(config({ baseUrl: own.url, apiKey: own.apiKey }), { connectTimeoutMs: 2000 });
    try {
      completion(await chat({}, ctx(), p));
      expect(own.connections()).toBe(1);
      p.close();
      await waitFor(() => Promise.resolve(own.connections() === 0), {
        intervalMs: 10,
        what: 'the connection to close',
      });
    } finally {
      await own.close();
    }
  });

  it('a refused connection is a retryable 502', async () => {
    const gone = await startFakeAnthropic();
    await gone.close();
    const p = new AnthropicProvider(config({ baseUrl: gone.url }), { connectTimeoutMs: 2000 });
    try {
      expect(failure(await chat({}, ctx(), p))).toMatchObject({
        status: 502,
        code: 'upstream_unreachable',
        retryable: true,
      });
    } finally {
      p.close();
    }
  });
});
