import { describe, expect, it } from '@jest/globals';
import type { ChatMessage, ChatRequest, FunctionTool } from '../../openai/types.js';
import { JSON_OBJECT_INSTRUCTION, translateRequest } from './translate-request.js';

const M = 'anthropic.claude-3-haiku';
const PNG = 'iVBORw0KGgo=';
const tool = (name: string, parameters?: Record<string, unknown>): FunctionTool => ({
  type: 'function',
  function: { name, description: `the ${name} tool`, ...(parameters ? { parameters } : {}) },
});
const call = (id: string, name: string, args: string): ChatMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
});

function input(request: Partial<ChatRequest>): unknown {
  const out = translateRequest({ model: M, messages: [{ role: 'user', content: 'hi' }], ...request });
  if (!out.ok) throw new Error(out.failure.message);
  return out.input;
}

describe('translateRequest: messages', () => {
  it.each<[string, ChatMessage[], unknown]>([
    [
      'system and developer messages become system blocks, in order',
      [
        { role: 'system', content: 'one' },
        { role: 'user', content: 'hi' },
        { role: 'developer', content: [{ type: 'text', text: 'two' }] },
      ],
      { system: [{ text: 'one' }, { text: 'two' }], messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
    ],
    [
      'inline images become image blocks with their bytes',
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: `data:image/JPG;base64,${PNG}` } },
          ],
        },
      ],
      {
        messages: [
          {
            role: 'user',
            content: [
              { text: 'what is this' },
              { image: { format: 'png', source: { bytes: Buffer.from(PNG, 'base64') } } },
              { image: { format: 'jpeg', source: { bytes: Buffer.from(PNG, 'base64') } } },
            ],
          },
        ],
      },
    ],
    [
      'tool calls become toolUse blocks, and consecutive tool results one user message',
      [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: 'checking',
          tool_calls: [
            { id: 't1', type: 'function', function: { name: 'w', arguments: '{"city":"Oslo"}' } },
            { id: 't2', type: 'function', function: { name: 'w', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 't1', content: 'cold' },
        { role: 'tool', tool_call_id: 't2', content: [{ type: 'text', text: 'warm' }] },
        { role: 'user', content: 'thanks' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'weather?' }] },
          {
            role: 'assistant',
            content: [
              { text: 'checking' },
              { toolUse: { toolUseId: 't1', name: 'w', input: { city: 'Oslo' } } },
              { toolUse: { toolUseId: 't2', name: 'w', input: {} } },
            ],
          },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: 't1', content: [{ text: 'cold' }] } },
              { toolResult: { toolUseId: 't2', content: [{ text: 'warm' }] } },
              { text: 'thanks' },
            ],
          },
        ],
      },
    ],
    [
      'consecutive messages of one role are merged, empty ones dropped',
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'c' },
      ],
      {
        messages: [
          { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
          { role: 'assistant', content: [{ text: 'c' }] },
        ],
      },
    ],
  ])('%s', (_, messages, expected) => {
    expect(input({ messages })).toEqual({ modelId: M, ...(expected as object) });
  });
});

describe('translateRequest: parameters and tools', () => {
  it.each<[string, Partial<ChatRequest>, unknown]>([
    [
      'max_completion_tokens wins over max_tokens; temperature, top_p and stop pass',
      { max_tokens: 10, max_completion_tokens: 20, temperature: 0.5, top_p: 0.9, stop: 'END', seed: 7 },
      { inferenceConfig: { maxTokens: 20, temperature: 0.5, topP: 0.9, stopSequences: ['END'] } },
    ],
    [
      'max_tokens alone; an empty stop list is no stop',
      { max_tokens: 10, stop: [] },
      { inferenceConfig: { maxTokens: 10 } },
    ],
    [
      'tools become tool specs, a missing schema an empty object schema',
      { tools: [tool('a', { type: 'object', properties: { x: { type: 'string' } } }), tool('b')] },
      {
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name: 'a',
                description: 'the a tool',
                inputSchema: { json: { type: 'object', properties: { x: { type: 'string' } } } },
              },
            },
            {
              toolSpec: {
                name: 'b',
                description: 'the b tool',
                inputSchema: { json: { type: 'object', properties: {} } },
              },
            },
          ],
        },
      },
    ],
    [
      'tool_choice auto',
      { tools: [tool('a')], tool_choice: 'auto' },
      { toolConfig: expect.objectContaining({ toolChoice: { auto: {} } }) },
    ],
    [
      'tool_choice required is any',
      { tools: [tool('a')], tool_choice: 'required' },
      { toolConfig: expect.objectContaining({ toolChoice: { any: {} } }) },
    ],
    [
      'a named tool_choice is tool',
      { tools: [tool('a'), tool('b')], tool_choice: { type: 'function', function: { name: 'b' } } },
      { toolConfig: expect.objectContaining({ toolChoice: { tool: { name: 'b' } } }) },
    ],
    ['tool_choice none omits the tools', { tools: [tool('a')], tool_choice: 'none' }, {}],
    [
      'tool_choice none keeps them when the conversation holds tool calls (Converse requires them)',
      {
        tools: [tool('a')],
        tool_choice: 'none',
        messages: [
          { role: 'user', content: 'x' },
          call('t1', 'a', '{}'),
          { role: 'tool', tool_call_id: 't1', content: 'r' },
        ],
      },
      { toolConfig: { tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'a' }) })] } },
    ],
    [
      'json_object adds a system instruction',
      { response_format: { type: 'json_object' } },
      { system: [{ text: JSON_OBJECT_INSTRUCTION }] },
    ],
    [
      'json_schema alone is a forced tool',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'out', schema: { type: 'object', required: ['a'] } },
        },
      },
      {
        toolConfig: {
          tools: [
            {
              toolSpec: expect.objectContaining({
                name: 'out',
                inputSchema: { json: { type: 'object', required: ['a'] } },
              }),
            },
          ],
          toolChoice: { tool: { name: 'out' } },
        },
      },
    ],
    [
      "json_schema beside the client's tools is any of them",
      { tools: [tool('a')], response_format: { type: 'json_schema', json_schema: { name: 'out' } } },
      {
        toolConfig: {
          tools: [
            expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'a' }) }),
            expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'out' }) }),
          ],
          toolChoice: { any: {} },
        },
      },
    ],
    [
      'json_schema under tool_choice none is forced, the tools kept only for a conversation that holds calls',
      {
        tools: [tool('a')],
        tool_choice: 'none',
        response_format: { type: 'json_schema', json_schema: { name: 'out' } },
        messages: [
          { role: 'user', content: 'x' },
          call('t1', 'a', '{}'),
          { role: 'tool', tool_call_id: 't1', content: 'r' },
        ],
      },
      {
        toolConfig: {
          tools: [
            expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'a' }) }),
            expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'out' }) }),
          ],
          toolChoice: { tool: { name: 'out' } },
        },
      },
    ],
    [
      'json_schema under tool_choice none, without tool calls: the JSON tool alone',
      {
        tools: [tool('a')],
        tool_choice: 'none',
        response_format: { type: 'json_schema', json_schema: { name: 'out' } },
      },
      {
        toolConfig: {
          tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'out' }) })],
          toolChoice: { tool: { name: 'out' } },
        },
      },
    ],
    [
      'json_schema yields to a required tool call',
      {
        tools: [tool('a')],
        tool_choice: 'required',
        response_format: { type: 'json_schema', json_schema: { name: 'out' } },
      },
      {
        toolConfig: {
          tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'a' }) })],
          toolChoice: { any: {} },
        },
      },
    ],
  ])('%s', (_, request, expected) => {
    const { modelId, messages, ...rest } = input(request) as Record<string, unknown>;
    expect(modelId).toBe(M);
    expect(messages).toBeDefined();
    expect(rest).toEqual(expected);
  });

  it('names the JSON tool so the response translator can turn its call into content', () => {
    const out = translateRequest({
      model: M,
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'out' } },
    });
    expect(out).toMatchObject({ ok: true, jsonTool: 'out' });
    expect(translateRequest({ model: M, messages: [{ role: 'user', content: 'x' }] })).not.toHaveProperty('jsonTool');
  });
});

describe('translateRequest: refusals', () => {
  it.each<[string, Partial<ChatRequest>, string, RegExp]>([
    ['n > 1', { n: 2 }, 'unsupported_n', /n must be 1/],
    [
      'an image URL to fetch',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] }] },
      'unsupported_image_url',
      /does not fetch image URLs/,
    ],
    [
      'an image of another type',
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/bmp;base64,${PNG}` } }] },
        ],
      },
      'invalid_image',
      /messages\[0\]\.content\[0\]/,
    ],
    [
      'a data URL that is not base64',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,raw' } }] }] },
      'invalid_image',
      /base64 data URL/,
    ],
    [
      'tool arguments that are not JSON',
      { messages: [{ role: 'user', content: 'x' }, call('t', 'a', '{"city":')] },
      'invalid_tool_arguments',
      /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
    ],
    [
      'tool arguments that are not an object',
      { messages: [{ role: 'user', content: 'x' }, call('t', 'a', '[1]')] },
      'invalid_tool_arguments',
      /must be a JSON object/,
    ],
    [
      'no user or assistant message',
      { messages: [{ role: 'system', content: 'x' }] },
      'invalid_messages',
      /at least one/,
    ],
    [
      'a tool_choice naming no tool',
      { tools: [tool('a')], tool_choice: { type: 'function', function: { name: 'z' } } },
      'invalid_tool_choice',
      /"z"/,
    ],
    ['a tool name Bedrock refuses', { tools: [tool('a b')] }, 'invalid_tool_name', /tools\[0\]/],
    [
      'a JSON schema named like a tool',
      { tools: [tool('a')], response_format: { type: 'json_schema', json_schema: { name: 'a' } } },
      'invalid_json_schema',
      /also the name of a tool/,
    ],
  ])('refuses %s with a 400', (_, request, code, message) => {
    const out = translateRequest({ model: M, messages: [{ role: 'user', content: 'hi' }], ...request });
    expect(out).toEqual({
      ok: false,
      failure: {
        status: 400,
        type: 'invalid_request_error',
        code,
        message: expect.stringMatching(message),
        retryable: false,
      },
    });
  });
});
