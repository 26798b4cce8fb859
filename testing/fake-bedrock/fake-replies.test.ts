import { describe, expect, it } from '@jest/globals';
import { crc32, encodeEvent } from './event-stream.js';
import { scriptedReply, streamEvents, type WireRequest } from './fake-replies.js';

const user = (text: string): WireRequest['messages'] => [{ role: 'user', content: [{ text }] }];
const tools = (...names: string[]): WireRequest['toolConfig'] => ({
  tools: names.map((name) => ({ toolSpec: { name } })),
});

describe('scriptedReply', () => {
  it.each<[string, WireRequest, unknown]>([
    [
      'echoes the last user text',
      { messages: user('hello there') },
      { content: [{ text: 'echo: hello there' }], stopReason: 'end_turn' },
    ],
    [
      'calls the tools a prompt asks for, with the JSON that follows as input',
      { messages: user('call a {"x":1} then call b'), toolConfig: tools('a', 'b') },
      {
        content: [
          { toolUse: { toolUseId: expect.any(String), name: 'a', input: { x: 1 } } },
          { toolUse: { toolUseId: expect.any(String), name: 'b', input: {} } },
        ],
        stopReason: 'tool_use',
      },
    ],
    [
      'ignores a call of a tool not offered',
      { messages: user('call z'), toolConfig: tools('a') },
      { content: [{ text: 'echo: call z' }] },
    ],
    [
      'calls the first tool under toolChoice any',
      { messages: user('hi'), toolConfig: { ...tools('a', 'b'), toolChoice: { any: {} } } },
      { content: [{ toolUse: expect.objectContaining({ name: 'a', input: {} }) }], stopReason: 'tool_use' },
    ],
    [
      'calls a forced tool with the JSON of the prompt, or the prompt itself',
      { messages: user('give {"n": 2} back'), toolConfig: { ...tools('out'), toolChoice: { tool: { name: 'out' } } } },
      { content: [{ toolUse: expect.objectContaining({ name: 'out', input: { n: 2 } }) }] },
    ],
    [
      'forced without JSON',
      { messages: user('plain'), toolConfig: { ...tools('out'), toolChoice: { tool: { name: 'out' } } } },
      { content: [{ toolUse: expect.objectContaining({ input: { text: 'plain' } }) }] },
    ],
    [
      'answers tool results',
      {
        messages: [
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: 't1', content: [{ text: 'cold' }] } },
              { toolResult: { toolUseId: 't2', content: [{ text: 'warm' }] } },
            ],
          },
        ],
        toolConfig: tools('a'),
      },
      { content: [{ text: 'tool results: cold; warm' }], stopReason: 'end_turn' },
    ],
    [
      'cuts at maxTokens',
      { messages: user('a b c d'), inferenceConfig: { maxTokens: 2 } },
      { content: [{ text: 'echo: a' }], stopReason: 'max_tokens' },
    ],
    [
      'cuts before a stop sequence',
      { messages: user('a STOP b'), inferenceConfig: { stopSequences: ['STOP'] } },
      { content: [{ text: 'echo: a ' }], stopReason: 'stop_sequence' },
    ],
  ])('%s', (_, request, expected) => {
    expect(scriptedReply(request)).toMatchObject(expected as object);
  });

  it('counts words as tokens, images as one', () => {
    const r = scriptedReply({
      system: [{ text: 'be kind' }],
      messages: [{ role: 'user', content: [{ text: 'what is this' }, { image: { format: 'png' } }] }],
    });
    expect(r.usage).toEqual({ inputTokens: 6, outputTokens: 4, totalTokens: 10 });
  });

  it('reports a known system prompt as cache reads when the cache is on', () => {
    const cache = new Set<string>();
    const request: WireRequest = { system: [{ text: 'long shared prefix' }], messages: user('q') };
    expect(scriptedReply(request, cache).usage).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 6,
      cacheWriteInputTokens: 3,
    });
    expect(scriptedReply(request, cache).usage).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 6,
      cacheReadInputTokens: 3,
    });
  });

  it('gives the same tool ids for the same conversation', () => {
    const request: WireRequest = { messages: user('call a'), toolConfig: tools('a') };
    expect(scriptedReply(request)).toEqual(scriptedReply(request));
  });
});

describe('streamEvents', () => {
  it('streams text word by word and tool input in two parts, ending with stop and metadata', () => {
    const events = streamEvents({
      content: [{ text: 'echo: hi' }, { toolUse: { toolUseId: 't', name: 'a', input: { x: 1 } } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
    });
    expect(events).toEqual([
      ['messageStart', { role: 'assistant' }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'echo: ' } }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'hi' } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 't', name: 'a' } } }],
      ['contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"x"' } } }],
      ['contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: ':1}' } } }],
      ['contentBlockStop', { contentBlockIndex: 1 }],
      ['messageStop', { stopReason: 'tool_use' }],
      ['metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } }],
    ]);
  });
});

describe('event stream framing', () => {
  it('computes the IEEE CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('frames a message: lengths, prelude CRC, string headers, payload, message CRC', () => {
    const m = encodeEvent('messageStart', { role: 'assistant' });
    const total = m.readUInt32BE(0);
    const headersLength = m.readUInt32BE(4);
    expect(total).toBe(m.length);
    expect(m.readUInt32BE(8)).toBe(crc32(m.subarray(0, 8)));
    expect(m.readUInt32BE(total - 4)).toBe(crc32(m.subarray(0, total - 4)));
    const headers = m.subarray(12, 12 + headersLength);
    expect(headers[0]).toBe(':message-type'.length);
    expect(headers.subarray(1, 14).toString()).toBe(':message-type');
    expect(headers[14]).toBe(7);
    expect(headers.readUInt16BE(15)).toBe('event'.length);
    expect(m.subarray(12 + headersLength, total - 4).toString()).toBe('{"role":"assistant"}');
  });
});
