import { describe, expect, it } from '@jest/globals';
import type { ChatMessage, ChatRequest } from '../../openai/types.js';
import {
  DEFAULT_MAX_TOKENS,
  JSON_OBJECT_INSTRUCTION,
  toAnthropicRequest,
  type TranslatedRequest,
} from './translate-request.js';

const M = 'claude-x';

function ok(req: Partial<ChatRequest>): TranslatedRequest {
  const out = toAnthropicRequest({ model: M, messages: [{ role: 'user', content: 'hi' }], ...req });
  if (!out.ok) throw new Error(`expected a translation, got ${out.failure.message}`);
  return out.value;
}

function refused(req: Partial<ChatRequest>): string {
  const out = toAnthropicRequest({ model: M, messages: [{ role: 'user', content: 'hi' }], ...req });
  if (out.ok) throw new Error('expected a refusal');
  expect(out.failure).toMatchObject({ status: 400, type: 'invalid_request_error', retryable: false });
  return out.failure.message;
}

const weatherCall = {
  id: 'call_1',
  type: 'function' as const,
  function: { name: 'weather', arguments: '{"city":"Paris"}' },
};

describe('toAnthropicRequest: messages', () => {
  it('lifts system and developer messages into system, in order, and defaults max_tokens', () => {
    const { request } = ok({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
      ],
    });
    expect(request).toEqual({
      model: M,
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'Be brief.\n\nUse French.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
  });

  it('turns image parts into base64 and url sources', () => {
    const { request } = ok({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/PNG;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    });
    expect(request.messages[0]!.content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it.each([
    ['a data URL that is not base64', 'data:image/png,rawbytes', 'base64'],
    ['an unsupported image type', 'data:image/tiff;base64,AAAA', 'image/tiff'],
    ['a file URL', 'file:///etc/passwd', 'https://'],
  ])('refuses %s', (_name, url, words) => {
    expect(refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] })).toContain(
      words,
    );
  });

  it('round-trips a tool conversation: tool calls, merged tool results, alternation kept', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [weatherCall, { ...weatherCall, id: 'call_2', function: { name: 'weather', arguments: '' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rain' }] },
      { role: 'user', content: 'thanks' },
    ];
    expect(ok({ messages }).request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'rain' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('merges consecutive same-role turns, tool results first in a user turn', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'c', tool_calls: [weatherCall] },
      { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
      { role: 'user', content: 'e' },
      { role: 'tool', tool_call_id: 'call_1', content: 'f' },
    ];
    expect(ok({ messages }).request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'c' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'text', text: 'd' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'f' },
          { type: 'text', text: 'e' },
        ],
      },
    ]);
  });

  it.each([
    ['invalid JSON', 'not json', 'not valid JSON'],
    ['a JSON array', '[1]', 'JSON object'],
  ])('refuses tool call arguments that are %s', (_name, args, words) => {
    const call = { ...weatherCall, function: { name: 'weather', arguments: args } };
    expect(refused({ messages: [{ role: 'assistant', content: null, tool_calls: [call] }] })).toContain(words);
  });

  it.each([
    ['an unknown role', [{ role: 'function', content: 'x' }], 'role'],
    [
      'an image in a system message',
      [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      'text parts',
    ],
    ['a number as content', [{ role: 'user', content: 42 }], 'string or an array'],
    ['a tool message without an id', [{ role: 'tool', content: 'x' }], 'tool_call_id'],
  ])('refuses %s', (_name, messages, words) => {
    expect(refused({ messages: messages as ChatMessage[] })).toContain(words);
  });
});

describe('toAnthropicRequest: parameters', () => {
  it('maps sampling, limits, stop and stream; leaves seed, user and metadata out', () => {
    const { request } = ok({
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 50,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: false },
      seed: 7,
      user: 'u1',
      metadata: { a: 'b' },
    });
    expect(request).toEqual({
      model: M,
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
    });
    expect(ok({ max_tokens: 100, stop: ['a', 'b'] }).request).toMatchObject({
      max_tokens: 100,
      stop_sequences: ['a', 'b'],
    });
  });

  it('refuses n > 1 and accepts n = 1', () => {
    expect(refused({ n: 2 })).toContain('n must be 1');
    expect(ok({ n: 1 }).request).not.toHaveProperty('n');
  });

  const tools = [
    {
      type: 'function' as const,
      function: { name: 'weather', description: 'Weather', parameters: { type: 'object' } },
    },
    { type: 'function' as const, function: { name: 'time' } },
  ];
  const anthropicTools = [
    { name: 'weather', description: 'Weather', input_schema: { type: 'object' } },
    { name: 'time', input_schema: { type: 'object', properties: {} } },
  ];

  it.each([
    ['absent', undefined, undefined],
    ['auto', 'auto', { type: 'auto' }],
    ['required', 'required', { type: 'any' }],
    ['none', 'none', { type: 'none' }],
    ['named', { type: 'function', function: { name: 'time' } }, { type: 'tool', name: 'time' }],
  ] as const)('maps tools and tool_choice %s', (_name, choice, expected) => {
    const { request } = ok({ tools, ...(choice === undefined ? {} : { tool_choice: choice }) });
    expect(request.tools).toEqual(anthropicTools);
    expect(request.tool_choice).toEqual(expected);
  });

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    expect(ok({ tools, parallel_tool_calls: false }).request.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
  });

  it('drops tool_choice without tools, and refuses non-function tools', () => {
    expect(ok({ tool_choice: 'required' }).request).not.toHaveProperty('tool_choice');
    expect(refused({ tools: [{ type: 'web_search' } as never] })).toContain('function tools');
  });

  it('asks for a JSON object in the system prompt for json_object', () => {
    const { request, jsonTool } = ok({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      response_format: { type: 'json_object' },
    });
    expect(request.system).toBe(`Be brief.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(jsonTool).toBeUndefined();
  });

  it('forces an answer tool for json_schema, beside the client tools when they may be called', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const format = { type: 'json_schema' as const, json_schema: { name: 'answer', schema } };
    const alone = ok({ response_format: format });
    expect(alone.jsonTool).toBe('answer');
    expect(alone.request.tools).toEqual([{ name: 'answer', description: expect.any(String), input_schema: schema }]);
    expect(alone.request.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    const withTools = ok({ response_format: format, tools });
    expect(withTools.request.tools?.map((t) => t.name)).toEqual(['weather', 'time', 'answer']);
    expect(withTools.request.tool_choice).toEqual({ type: 'any' });
    const none = ok({ response_format: format, tools, tool_choice: 'none' });
    expect(none.request.tools?.map((t) => t.name)).toEqual(['answer']);
    expect(none.request.tool_choice).toEqual({ type: 'tool', name: 'answer' });
  });

  it.each([
    ['a bad name', { name: 'my answer' }, 'name must match'],
    ['a non-object schema', { name: 'a', schema: { type: 'array' } }, 'describe an object'],
  ])('refuses a json_schema with %s', (_name, json_schema, words) => {
    expect(refused({ response_format: { type: 'json_schema', json_schema } })).toContain(words);
  });

  it('refuses a json_schema named like a client tool', () => {
    const format = { type: 'json_schema' as const, json_schema: { name: 'time' } };
    expect(refused({ response_format: format, tools })).toContain('also the name of a tool');
  });
});
