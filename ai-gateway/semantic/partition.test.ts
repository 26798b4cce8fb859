import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChatRequest } from '../openai/types.js';
import { semanticKey, type SemanticKey } from './partition.js';

const MODEL = 'openai:gpt-4o-mini';
const SCOPE = 'key:team-a';

function request(extra: Partial<ChatRequest> = {}, question = 'What is the capital of France?'): ChatRequest {
  return {
    model: 'chat',
    messages: [
      { role: 'system', content: 'Answer in one word.' },
      { role: 'user', content: question },
    ],
    temperature: 0,
    ...extra,
  };
}

function keyOf(result: SemanticKey): { partition: string; text: string } {
  if ('refused' in result) throw new Error(`refused: ${result.refused}`);
  return result;
}

function partitionOf(req: ChatRequest, model = MODEL, scope = SCOPE): string {
  return keyOf(semanticKey(req, model, scope)).partition;
}

function refusalOf(req: ChatRequest): string | undefined {
  const result = semanticKey(req, MODEL, SCOPE);
  return 'refused' in result ? result.refused : undefined;
}

describe('semanticKey', () => {
  const base = partitionOf(request());

  it('renders the conversation without the system prompt as role: text lines', () => {
    const req = request({
      messages: [
        { role: 'developer', content: 'Be kind.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello' },
            { type: 'text', text: 'there' },
          ],
        },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    expect(keyOf(semanticKey(req, MODEL, SCOPE)).text).toBe(
      'user: Hello\nthere\nassistant: Hi!\nuser: Capital of France?',
    );
  });

  it('shares a partition between paraphrases, and across delivery and attribution fields', () => {
    const same: Partial<ChatRequest>[] = [
      { stream: true, stream_options: { include_usage: true } },
      { user: 'alice', metadata: { team: 'a' }, store: true, service_tier: 'flex', prompt_cache_key: 'x' },
      { model: 'another-alias-of-the-same-model' },
    ];
    for (const extra of same) expect(partitionOf(request(extra))).toBe(base);
    expect(partitionOf(request({}, "What's France's capital city?"))).toBe(base);
  });

  it('never shares a partition across models, scopes, instructions, tools or output parameters', () => {
    const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } };
    const differing: ChatRequest[] = [
      request({ temperature: 1 }),
      request({ top_p: 0.5 }),
      request({ seed: 7 }),
      request({ max_tokens: 10 }),
      request({ stop: ['\n'] }),
      request({ reasoning_effort: 'high' }),
      request({ tools: [tool] }),
      request({ tools: [tool], tool_choice: 'required' }),
      request({ response_format: { type: 'json_object' } }),
      request({
        messages: [
          { role: 'system', content: 'Answer in two words.' },
          { role: 'user', content: 'Hi' },
        ],
      }),
      request({
        messages: [
          { role: 'developer', content: 'Answer in one word.' },
          { role: 'user', content: 'Hi' },
        ],
      }),
      request({ messages: [{ role: 'user', content: 'Hi' }] }),
      request({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Answer in one word.' },
        ],
      }),
      request({
        messages: [
          { role: 'system', content: 'Answer in one word.' },
          { role: 'user', content: 'Hi', name: 'bob' },
        ],
      }),
    ];
    const partitions = differing.map((req) => partitionOf(req));
    partitions.push(partitionOf(request(), 'openai:gpt-4o'), partitionOf(request(), MODEL, 'key:team-b'));
    expect(new Set([base, ...partitions]).size).toBe(partitions.length + 1);
  });

  it('ignores null fields SDKs echo on assistant messages', () => {
    const turns = (assistant: Record<string, unknown>): ChatRequest =>
      request({ messages: [{ role: 'user', content: 'Hi' }, assistant as never, { role: 'user', content: 'Bye' }] });
    expect(partitionOf(turns({ role: 'assistant', content: 'Hello', refusal: null, audio: null }))).toBe(
      partitionOf(turns({ role: 'assistant', content: 'Hello' })),
    );
  });

  it('refuses what the semantic cache must not answer', () => {
    const image = { type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png' } };
    const toolCall = { id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    const cases: [Partial<ChatRequest>, RegExp][] = [
      [{ n: 2 }, /several samples/],
      [{ logprobs: true }, /logprobs/],
      [{ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }] }, /non-text/],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] as never }] }, /non-text/],
      [{ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f' } }] as never }] }, /non-text/],
      [
        {
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', tool_calls: [toolCall] },
          ],
        },
        /tool calls/,
      ],
      [{ messages: [{ role: 'tool', content: '42', tool_call_id: 'c1' }] }, /tool results/],
      [{ messages: [{ role: 'user', content: '  ' }] }, /no text/],
      [{ messages: [{ role: 'system', content: 'Only instructions' }] }, /no text/],
      [{ messages: [{ role: 'narrator', content: 'Hi' }] as never }, /unknown role/],
      [{ messages: [null] as never }, /not an object/],
      [{ messages: [{ role: 'user', content: 'x'.repeat(3000) }] }, /too long/],
    ];
    for (const [extra, reason] of cases) expect(refusalOf(request(extra))).toMatch(reason);
    expect(refusalOf(request())).toBeUndefined();
  });

  it('takes the longest text allowed as an option', () => {
    const long = request({ messages: [{ role: 'user', content: 'x'.repeat(3000) }] });
    expect('partition' in semanticKey(long, MODEL, SCOPE, { maxTextChars: 4000 })).toBe(true);
  });

  it('splits partitions whenever an output-changing input differs (property)', () => {
    const inputs = fc.record({
      temperature: fc.constantFrom(0, 0.5, 1),
      seed: fc.constantFrom(undefined, 1, 2),
      system: fc.constantFrom('Be terse.', 'Be verbose.'),
      model: fc.constantFrom('a:m1', 'a:m2'),
      scope: fc.constantFrom('gateway', 'key:k1'),
    });
    const partition = (i: {
      temperature: number;
      seed?: number;
      system: string;
      model: string;
      scope: string;
    }): string =>
      partitionOf(
        request({
          temperature: i.temperature,
          seed: i.seed,
          messages: [
            { role: 'system', content: i.system },
            { role: 'user', content: 'Hi' },
          ],
        }),
        i.model,
        i.scope,
      );
    fc.assert(
      fc.property(inputs, inputs, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(partition(a) === partition(b)).toBe(same);
      }),
    );
  });
});
