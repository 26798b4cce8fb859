import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChatChunk, ChatCompletion } from '../openai/types.js';
import { assemble, replay } from './stream.js';

const usage = fc.record(
  {
    prompt_tokens: fc.nat(),
    completion_tokens: fc.nat(),
    total_tokens: fc.nat(),
    prompt_tokens_details: fc.record({ cached_tokens: fc.nat() }),
  },
  { requiredKeys: ['prompt_tokens', 'completion_tokens', 'total_tokens'] },
);

const toolCall = fc.record({
  id: fc.string(),
  type: fc.constant('function' as const),
  function: fc.record({ name: fc.string(), arguments: fc.string() }),
});

const message = fc.record(
  {
    role: fc.constant('assistant' as const),
    content: fc.option(fc.string(), { nil: null }),
    tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
    refusal: fc.option(fc.string(), { nil: null }),
  },
  { requiredKeys: ['role', 'content'] },
);

const completion: fc.Arbitrary<ChatCompletion> = fc
  .record(
    {
      id: fc.string(),
      object: fc.constant('chat.completion' as const),
      created: fc.nat(),
      model: fc.string(),
      choices: fc.uniqueArray(
        fc.record(
          {
            index: fc.nat({ max: 3 }),
            message,
            finish_reason: fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', null),
            logprobs: fc.constant(null),
          },
          { requiredKeys: ['index', 'message', 'finish_reason'] },
        ),
        { minLength: 1, maxLength: 3, selector: (choice) => choice.index },
      ),
      usage,
      system_fingerprint: fc.string(),
      service_tier: fc.constantFrom('default', 'flex'),
    },
    { requiredKeys: ['id', 'object', 'created', 'model', 'choices'] },
  )
  .map((c) => ({ ...c, choices: [...c.choices].sort((a, b) => a.index - b.index) }));

describe('assemble(replay(x))', () => {
  it('gives back x, with and without the usage chunk', () => {
    fc.assert(
      fc.property(completion, (x) => {
        expect(assemble(replay(x, { includeUsage: true }))).toEqual(x);
        const { usage: _usage, ...withoutUsage } = x;
        expect(assemble(replay(x, { includeUsage: false }))).toEqual(withoutUsage);
      }),
    );
  });
});

describe('replay', () => {
  const stored: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };

  it('streams a role chunk, each tool call, the finish chunk, and usage only when asked', () => {
    const chunks = replay(stored, { includeUsage: true });
    expect(chunks.map((c) => c.object)).toEqual(Array(4).fill('chat.completion.chunk'));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: null },
      {
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      {},
      undefined,
    ]);
    expect(chunks[2]?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(chunks[3]).toMatchObject({ choices: [], usage: stored.usage, id: 'chatcmpl-1', model: 'gpt-4o-mini' });
    expect(replay(stored, { includeUsage: false }).some((c) => c.usage)).toBe(false);
  });
});

describe('assemble', () => {
  const envelope = { id: 'chatcmpl-9', object: 'chat.completion.chunk' as const, created: 5, model: 'gpt-4o' };
  const chunk = (choices: ChatChunk['choices'], extra: Partial<ChatChunk> = {}): ChatChunk => ({
    ...envelope,
    choices,
    usage: null,
    ...extra,
  });

  it('joins content and merges tool-call fragments by index, as OpenAI streams them', () => {
    const stream: ChatChunk[] = [
      chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Let me ' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'check.' }, finish_reason: null }]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }, finish_reason: null },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
    ];
    expect(assemble(stream)).toEqual({
      id: 'chatcmpl-9',
      object: 'chat.completion',
      created: 5,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check.',
            refusal: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
              { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('leaves content null for a tool-call-only stream and keeps choices apart', () => {
    const stream: ChatChunk[] = [
      chunk([{ index: 1, delta: { role: 'assistant', content: 'B' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'stop' }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'length' }]),
    ];
    const { choices } = assemble(stream);
    expect(choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, null, 'length'],
      [1, 'B', 'stop'],
    ]);
    expect(assemble(stream).usage).toBeUndefined();
  });

  it('refuses an empty stream', () => {
    expect(() => assemble([])).toThrow(/at least one chunk/);
  });
});
