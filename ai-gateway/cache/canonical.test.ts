import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChatCompletion, ChatRequest } from '../openai/types.js';
import { cacheable, cacheKey, canonicalJson, KEY_IGNORED_FIELDS, storable } from './canonical.js';

const json: fc.Arbitrary<unknown> = fc.jsonValue();

const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'user'), content: fc.string() }),
  fc.record({
    role: fc.constant('user'),
    content: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('text'), text: fc.string() }),
        fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.webUrl() }) }),
      ),
    ),
  }),
);

/** Fields that change what the model writes: each must change the key. */
const outputFields = {
  messages: fc.array(message, { minLength: 1, maxLength: 4 }),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.integer(),
  max_tokens: fc.nat(),
  max_completion_tokens: fc.nat(),
  stop: fc.oneof(fc.string(), fc.array(fc.string())),
  response_format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }),
  tools: fc.array(
    fc.record({
      type: fc.constant('function'),
      function: fc.record({ name: fc.string(), parameters: fc.dictionary(fc.string(), json) }),
    }),
  ),
  tool_choice: fc.constantFrom('none', 'auto', 'required'),
  presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  reasoning_effort: fc.constantFrom('low', 'medium', 'high'),
};

const request: fc.Arbitrary<ChatRequest> = fc.record(
  { model: fc.string(), ...outputFields },
  { requiredKeys: ['model', 'messages'] },
);

/** The same value with every object's keys in another order (a seeded shuffle), at every depth. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorder(item, seed + 1));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, seed + 7)]));
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('reads back as the value JSON itself reads back (JSON has no -0)', () => {
    fc.assert(
      fc.property(json, (value) => expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)))),
    );
  });
});

describe('cacheKey', () => {
  it('is stable across releases: a stored entry keeps its name (change KEY_VERSION when this must change)', () => {
    const pinned: ChatRequest = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
    expect(cacheKey(pinned, 'openai:gpt-4o-mini', 'team-a')).toBe(
      '33e24e2c5a9a3ba1310d52cc38738ca416bf8dc039234b065c31bd4829f89bcc',
    );
  });

  it('does not depend on the order of object keys', () => {
    fc.assert(
      fc.property(request, fc.integer(), (req, seed) => {
        expect(cacheKey(reorder(req, seed) as ChatRequest, 'm', 's')).toBe(cacheKey(req, 'm', 's'));
      }),
    );
  });

  it('does not depend on delivery, identity or billing fields, nor on the name the client used', () => {
    const ignored = fc.record(
      {
        model: fc.string(),
        stream: fc.boolean(),
        stream_options: fc.record({ include_usage: fc.boolean() }),
        user: fc.string(),
        safety_identifier: fc.string(),
        metadata: fc.dictionary(fc.string(), fc.string()),
        store: fc.boolean(),
        service_tier: fc.constantFrom('auto', 'default', 'flex'),
        prompt_cache_key: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(request, ignored, (req, extra) => {
        expect(cacheKey({ ...req, ...extra }, 'm', 's')).toBe(cacheKey(req, 'm', 's'));
      }),
    );
    expect([...KEY_IGNORED_FIELDS].sort()).toEqual(
      [
        'metadata',
        'model',
        'prompt_cache_key',
        'safety_identifier',
        'service_tier',
        'store',
        'stream',
        'stream_options',
        'user',
      ].sort(),
    );
  });

  it('changes with any field that changes the output', () => {
    const field = fc.constantFrom(...(Object.keys(outputFields) as (keyof typeof outputFields)[]));
    const change = field.chain((name) =>
      fc.tuple(fc.constant(name), outputFields[name] as fc.Arbitrary<unknown>, fc.boolean()),
    );
    fc.assert(
      fc.property(request, change, (req, [name, value, remove]) => {
        const changed: Record<string, unknown> = { ...req };
        if (remove) delete changed[name];
        else changed[name] = value;
        fc.pre(canonicalJson(changed) !== canonicalJson(req));
        expect(cacheKey(changed as ChatRequest, 'm', 's')).not.toBe(cacheKey(req, 'm', 's'));
      }),
    );
  });

  it('changes with an unknown field, the resolved model and the scope', () => {
    const req: ChatRequest = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] };
    const base = cacheKey(req, 'openai:gpt-4o', 'team-a');
    expect(cacheKey({ ...req, verbosity: 'low' }, 'openai:gpt-4o', 'team-a')).not.toBe(base);
    expect(cacheKey(req, 'anthropic:claude', 'team-a')).not.toBe(base);
    expect(cacheKey(req, 'openai:gpt-4o', 'gateway')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('cacheable', () => {
  const base: ChatRequest = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] };

  it.each<[string, Partial<ChatRequest>]>([
    ['plain', {}],
    ['n=1', { n: 1 }],
    ['sampling settings (exact-match is opted into)', { temperature: 1.3, top_p: 0.5, seed: 7 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'auto' }],
    ['logprobs false', { logprobs: false }],
  ])('caches %s', (_name, extra) => {
    expect(cacheable({ ...base, ...extra })).toEqual({ cacheable: true });
  });

  it.each([
    ['n>1', { n: 2 }, /n>1/],
    ['logprobs', { logprobs: true }, /logprobs/],
    ['top_logprobs', { top_logprobs: 3 }, /logprobs/],
    ['audio', { modalities: ['text', 'audio'] }, /audio/],
    ['audio options', { audio: { voice: 'alloy', format: 'mp3' } }, /audio/],
    ['legacy functions', { functions: [] }, /function_call/],
    ['web search', { web_search_options: {} }, /web search/],
  ])('refuses %s with a reason', (_name, extra, reason) => {
    const decision = cacheable({ ...base, ...extra });
    expect(decision.cacheable).toBe(false);
    expect(decision.cacheable ? '' : decision.reason).toMatch(reason);
  });
});

describe('storable', () => {
  const answer = (finish: ChatCompletion['choices'][number]['finish_reason'], count = 1): ChatCompletion => ({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: Array.from({ length: count }, (_, index) => ({
      index,
      message: { role: 'assistant' as const, content: 'x' },
      finish_reason: finish,
    })),
  });

  it('stores a finished single answer, whatever the finish reason', () => {
    expect(storable(answer('stop'))).toEqual({ cacheable: true });
    expect(storable(answer('length'))).toEqual({ cacheable: true });
  });

  it('refuses an unfinished answer, several choices and none', () => {
    expect(storable(answer(null))).toEqual({ cacheable: false, reason: 'the answer did not finish' });
    expect(storable(answer('stop', 2)).cacheable).toBe(false);
    expect(storable(answer('stop', 0)).cacheable).toBe(false);
  });
});
