import { describe, expect, it } from '@jest/globals';
import { finishReason, toChatCompletion, toUsage } from './translate-response.js';
import type { AnthropicResponse, ResponseBlock } from './types.js';

function message(content: ResponseBlock[], stop: string | null = 'end_turn'): AnthropicResponse {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content,
    stop_reason: stop,
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

describe('toChatCompletion', () => {
  it('joins text blocks, skips other blocks, and maps usage', () => {
    const out = toChatCompletion(
      message([
        { type: 'thinking', thinking: 'hmm' } as ResponseBlock,
        { type: 'text', text: 'Hello, ' },
        { type: 'text', text: 'world.' },
      ]),
      { created: 1700000000 },
    );
    expect(out).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, world.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('turns tool_use blocks into tool calls, content null when there is no text', () => {
    const out = toChatCompletion(
      message(
        [
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'time', input: {} },
        ],
        'tool_use',
      ),
      { created: 1 },
    );
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'time', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('keeps text beside tool calls', () => {
    const out = toChatCompletion(
      message(
        [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 't', name: 'w', input: {} },
        ],
        'tool_use',
      ),
      { created: 1 },
    );
    expect(out.choices[0]!.message.content).toBe('Let me look.');
    expect(out.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it('makes the json_schema answer tool the content, a plain stop, dropping text around it', () => {
    const out = toChatCompletion(
      message(
        [
          { type: 'text', text: 'Here:' },
          { type: 'tool_use', id: 't', name: 'answer', input: { city: 'Paris', n: 2 } },
        ],
        'tool_use',
      ),
      { created: 1, jsonTool: 'answer' },
    );
    expect(out.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: '{"city":"Paris","n":2}' },
      finish_reason: 'stop',
    });
  });
});

describe('finishReason', () => {
  it.each([
    ['end_turn', false, 'stop'],
    ['stop_sequence', false, 'stop'],
    ['pause_turn', false, 'stop'],
    ['max_tokens', false, 'length'],
    ['model_context_window_exceeded', false, 'length'],
    ['tool_use', true, 'tool_calls'],
    ['tool_use', false, 'stop'],
    ['refusal', false, 'content_filter'],
    [null, false, 'stop'],
    ['something_new', false, 'stop'],
  ] as const)('%s (tools called: %s) -> %s', (stop, called, expected) => {
    expect(finishReason(stop, called)).toBe(expected);
  });
});

describe('toUsage', () => {
  it('counts cache reads and writes as prompt tokens, and reads as cached', () => {
    expect(
      toUsage({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 }),
    ).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });

  it('reads absent and null counts as zero', () => {
    expect(toUsage({ input_tokens: 3, cache_read_input_tokens: null })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 0,
      total_tokens: 3,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(toUsage(undefined).total_tokens).toBe(0);
  });
});
