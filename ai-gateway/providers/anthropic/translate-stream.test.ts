import { describe, expect, it } from '@jest/globals';
import type { SseEvent } from '../../openai/sse.js';
import type { ChatChunk } from '../../openai/types.js';
import { MidStreamError } from '../provider.js';
import { AnthropicStreamError, StreamTranslator, translateStream } from './translate-stream.js';

function ev(data: Record<string, unknown>): SseEvent {
  return { event: String(data.type), data: JSON.stringify(data) };
}

const start = ev({
  type: 'message_start',
  message: {
    id: 'msg_1',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 30, cache_creation_input_tokens: 0 },
  },
});
const ping = ev({ type: 'ping' });
const text = (index: number, t: string): SseEvent =>
  ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } });
const json = (index: number, partial: string): SseEvent =>
  ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
const blockStart = (index: number, block: Record<string, unknown>): SseEvent =>
  ev({ type: 'content_block_start', index, content_block: block });
const blockStop = (index: number): SseEvent => ev({ type: 'content_block_stop', index });
const delta = (stop: string, output: number): SseEvent =>
  ev({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: output } });
const stop = ev({ type: 'message_stop' });

/** Each event's chunks as just their deltas / finish / usage, to read the table at a glance. */
function run(events: SseEvent[], jsonTool?: string): unknown[][] {
  const t = new StreamTranslator({ created: 5, ...(jsonTool ? { jsonTool } : {}) });
  return events.map((e) => t.push(e).map(brief));
}

function brief(c: ChatChunk): unknown {
  expect(c).toMatchObject({ id: 'msg_1', object: 'chat.completion.chunk', created: 5, model: 'claude-x' });
  if (c.choices.length === 0) return { usage: c.usage };
  const [choice] = c.choices;
  return choice!.finish_reason ? { finish: choice!.finish_reason } : choice!.delta;
}

describe('StreamTranslator, event by event', () => {
  it('translates a text answer, skipping pings and block boundaries', () => {
    expect(
      run([
        start,
        ping,
        blockStart(0, { type: 'text', text: '' }),
        text(0, 'Hel'),
        text(0, 'lo'),
        blockStop(0),
        delta('end_turn', 3),
        stop,
      ]),
    ).toEqual([
      [{ role: 'assistant', content: '' }],
      [],
      [],
      [{ content: 'Hel' }],
      [{ content: 'lo' }],
      [],
      [{ finish: 'stop' }],
      [
        {
          usage: {
            prompt_tokens: 42,
            completion_tokens: 3,
            total_tokens: 45,
            prompt_tokens_details: { cached_tokens: 30 },
          },
        },
      ],
    ]);
  });

  it('translates tool calls, counting indexes among tool_use blocks only', () => {
    expect(
      run([
        start,
        blockStart(0, { type: 'text', text: '' }),
        text(0, 'Looking.'),
        blockStop(0),
        blockStart(1, { type: 'tool_use', id: 'toolu_a', name: 'weather', input: {} }),
        json(1, ''),
        json(1, '{"city":'),
        json(1, '"Paris"}'),
        blockStop(1),
        blockStart(2, { type: 'tool_use', id: 'toolu_b', name: 'time', input: {} }),
        json(2, '{}'),
        blockStop(2),
        delta('tool_use', 20),
        stop,
      ]),
    ).toEqual([
      [{ role: 'assistant', content: '' }],
      [],
      [{ content: 'Looking.' }],
      [],
      [{ tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'weather', arguments: '' } }] }],
      [],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }],
      [{ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }],
      [],
      [{ tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'time', arguments: '' } }] }],
      [{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }],
      [],
      [{ finish: 'tool_calls' }],
      [{ usage: expect.objectContaining({ completion_tokens: 20 }) }],
    ]);
  });

  it('streams the json_schema answer tool as content, a plain stop', () => {
    expect(
      run(
        [
          start,
          blockStart(0, { type: 'tool_use', id: 't', name: 'answer', input: {} }),
          json(0, '{"a":'),
          json(0, '1}'),
          delta('tool_use', 4),
          stop,
        ],
        'answer',
      ).slice(1, 5),
    ).toEqual([[], [{ content: '{"a":' }], [{ content: '1}' }], [{ finish: 'stop' }]]);
  });

  it('maps max_tokens and refusal, and skips thinking blocks and unknown events', () => {
    expect(run([start, delta('max_tokens', 1)])[1]).toEqual([{ finish: 'length' }]);
    expect(run([start, delta('refusal', 1)])[1]).toEqual([{ finish: 'content_filter' }]);
    expect(
      run([
        start,
        blockStart(0, { type: 'thinking', thinking: '' }),
        ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } }),
        ev({ type: 'some_future_event' }),
      ]).slice(1),
    ).toEqual([[], [], []]);
  });

  it('adds a finish chunk at message_stop when message_delta had none, and ignores anything after it', () => {
    expect(run([start, stop, text(0, 'late')]).slice(1)).toEqual([
      [{ finish: 'stop' }, { usage: expect.objectContaining({ prompt_tokens: 42, completion_tokens: 1 }) }],
      [],
    ]);
  });

  it('takes message_delta usage as cumulative, over message_start', () => {
    const last = run([
      start,
      ev({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 9, input_tokens: 14, cache_read_input_tokens: null },
      }),
      stop,
    ])[2]!;
    expect(last[0]).toEqual({
      usage: {
        prompt_tokens: 44,
        completion_tokens: 9,
        total_tokens: 53,
        prompt_tokens_details: { cached_tokens: 30 },
      },
    });
  });

  it('throws a MidStreamError on an error event, keeping its type', () => {
    const t = new StreamTranslator({ created: 5 });
    t.push(start);
    let thrown: unknown;
    try {
      t.push({ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MidStreamError);
    expect(thrown).toMatchObject({ error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it.each([
    ['an event that is not JSON', [{ event: 'message_start', data: '{oops' }]],
    ['a block before message_start', [blockStart(0, { type: 'text', text: '' })]],
  ])('throws on %s', (_name, events) => {
    const t = new StreamTranslator({ created: 5 });
    expect(() => events.forEach((e) => t.push(e))).toThrow(AnthropicStreamError);
  });
});

describe('translateStream', () => {
  async function collect(events: AsyncIterable<SseEvent>): Promise<ChatChunk[]> {
    const out: ChatChunk[] = [];
    for await (const c of translateStream(events, { created: 5 })) out.push(c);
    return out;
  }

  async function* source(events: SseEvent[], fail?: Error): AsyncGenerator<SseEvent> {
    for (const e of events) yield await Promise.resolve(e);
    if (fail) throw fail;
  }

  it('yields every chunk of a whole stream', async () => {
    const chunks = await collect(
      source([start, blockStart(0, { type: 'text', text: '' }), text(0, 'hi'), delta('end_turn', 1), stop]),
    );
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? c.choices[0]?.finish_reason ?? 'usage')).toEqual([
      '',
      'hi',
      'stop',
      'usage',
    ]);
  });

  it('throws a MidStreamError when the stream ends before message_stop', async () => {
    await expect(collect(source([start, text(0, 'hi')]))).rejects.toThrow('ended before message_stop');
  });

  it('turns a failing source into a MidStreamError', async () => {
    const err = collect(source([start], new Error('socket hang up')));
    await expect(err).rejects.toBeInstanceOf(MidStreamError);
    await expect(err).rejects.toThrow('socket hang up');
  });
});
