import { describe, expect, it } from '@jest/globals';
import { MidStreamError } from '../provider.js';
import type { ConverseStreamEvent } from './converse-types.js';
import { StreamTranslator, translateResponse, translateUsage, type ReplyMeta } from './translate-response.js';

const META: ReplyMeta = { id: 'chatcmpl-1', created: 1_700_000_000, model: 'm' };

describe('translateResponse', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['content_filtered', 'content_filter'],
    ['guardrail_intervened', 'content_filter'],
    ['malformed_model_output', 'stop'],
    [undefined, 'stop'],
  ])('stopReason %s finishes with %s', (stopReason, finish) => {
    const c = translateResponse({ output: { message: { content: [{ text: 'x' }] } }, stopReason }, META);
    expect(c.choices[0]?.finish_reason).toBe(finish);
  });

  it('joins text blocks and turns toolUse blocks into tool calls with string arguments', () => {
    const c = translateResponse(
      {
        output: {
          message: {
            content: [
              { text: 'let me ' },
              { text: 'check' },
              { toolUse: { toolUseId: 'tu1', name: 'w', input: { city: 'Oslo', days: [1, 2] } } },
              { toolUse: { toolUseId: 'tu2', name: 'x', input: undefined } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      },
      META,
    );
    expect(c).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'let me check',
            tool_calls: [
              { id: 'tu1', type: 'function', function: { name: 'w', arguments: '{"city":"Oslo","days":[1,2]}' } },
              { id: 'tu2', type: 'function', function: { name: 'x', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('has null content beside tool calls alone, and empty content for an empty reply', () => {
    const tools = translateResponse(
      { output: { message: { content: [{ toolUse: { toolUseId: 't', name: 'w', input: {} } }] } } },
      META,
    );
    expect(tools.choices[0]?.message.content).toBeNull();
    expect(translateResponse({}, META).choices[0]?.message).toEqual({ role: 'assistant', content: '' });
  });

  it("returns the JSON tool's input as the content, finishing with stop", () => {
    const c = translateResponse(
      {
        output: { message: { content: [{ toolUse: { toolUseId: 't', name: 'out', input: { a: 1 } } }] } },
        stopReason: 'tool_use',
      },
      { ...META, jsonTool: 'out' },
    );
    expect(c.choices[0]).toMatchObject({ message: { content: '{"a":1}' }, finish_reason: 'stop' });
    expect(c.choices[0]?.message).not.toHaveProperty('tool_calls');
  });

  it.each([
    [
      { inputTokens: 7, outputTokens: 3 },
      { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } },
    ],
    [
      { inputTokens: 7, outputTokens: 3, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 },
      { prompt_tokens: 127, completion_tokens: 3, total_tokens: 130, prompt_tokens_details: { cached_tokens: 100 } },
    ],
    [
      undefined,
      { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 } },
    ],
  ])('usage %j -> %j', (usage, expected) => {
    expect(translateUsage(usage)).toEqual(expected);
  });
});

function run(events: ConverseStreamEvent[], meta: ReplyMeta = META): unknown[] {
  const t = new StreamTranslator(meta);
  return events
    .flatMap((e) => t.translate(e))
    .map((c) => (c.choices.length > 0 ? [c.choices[0]?.delta, c.choices[0]?.finish_reason] : ['usage', c.usage]));
}

describe('StreamTranslator', () => {
  it('translates text events one by one, the usage chunk last with empty choices', () => {
    const t = new StreamTranslator(META);
    const first = t.translate({ messageStart: { role: 'assistant' } });
    expect(first).toEqual([
      {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'm',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }],
      },
    ]);
    expect(
      t.translate({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'hi' } } })[0]?.choices[0]?.delta,
    ).toEqual({ content: 'hi' });
    expect(t.translate({ contentBlockStop: { contentBlockIndex: 0 } })).toEqual([]);
    expect(t.translate({ messageStop: { stopReason: 'max_tokens' } })[0]?.choices[0]).toMatchObject({
      delta: {},
      finish_reason: 'length',
    });
    const [usage] = t.translate({ metadata: { usage: { inputTokens: 2, outputTokens: 1, cacheReadInputTokens: 4 } } });
    expect(usage).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 6, completion_tokens: 1, total_tokens: 7, prompt_tokens_details: { cached_tokens: 4 } },
    });
  });

  it('numbers tool calls in order of appearance, naming each first, then appending its arguments', () => {
    expect(
      run([
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'ok' } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'a', name: 'w' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"c":' } } } },
        { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'b', name: 'v' } } } },
        { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '1}' } } } },
        { messageStop: { stopReason: 'tool_use' } },
      ]),
    ).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'ok' }, null],
      [{ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'w', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"c":' } }] }, null],
      [{ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'v', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
  });

  it("streams the JSON tool's input as content, finishing with stop", () => {
    expect(
      run(
        [
          { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'a', name: 'out' } } } },
          { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":' } } } },
          { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '1}' } } } },
          { messageStop: { stopReason: 'tool_use' } },
        ],
        { ...META, jsonTool: 'out' },
      ),
    ).toEqual([
      [{ content: '{"a":' }, null],
      [{ content: '1}' }, null],
      [{}, 'stop'],
    ]);
  });

  it('skips empty deltas and events it does not translate', () => {
    expect(
      run([{ contentBlockDelta: { contentBlockIndex: 0, delta: { text: '' } } }, { contentBlockStop: {} }, {}]),
    ).toEqual([]);
  });

  it.each([
    'internalServerException',
    'modelStreamErrorException',
    'serviceUnavailableException',
    'throttlingException',
    'validationException',
  ])('a %s event throws MidStreamError', (name) => {
    const t = new StreamTranslator(META);
    expect(() => t.translate({ [name]: { message: 'model crashed' } })).toThrow(
      new MidStreamError(`Bedrock ended the stream: ${name} model crashed`),
    );
  });
});
