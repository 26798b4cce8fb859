import { describe, expect, it } from '@jest/globals';
import { parseSse, type SseEvent } from './sse.js';

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of parseSse(chunks.map((c) => Buffer.from(c)))) out.push(e);
  return out;
}

describe('parseSse', () => {
  it('reads events split anywhere across chunks, with any line end', async () => {
    const text =
      'event: message_start\r\ndata: {"a":1}\r\n\r\n: comment\ndata: x\ndata: y\n\nevent: ping\rdata: {}\r\r';
    const whole = await collect([text]);
    expect(whole).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { data: 'x\ny' },
      { event: 'ping', data: '{}' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await collect([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('keeps multi-byte characters split between chunks', async () => {
    const bytes = Buffer.from('data: héllo ✓\n\n');
    const parts = [bytes.subarray(0, 8), bytes.subarray(8, 15), bytes.subarray(15)];
    const out: SseEvent[] = [];
    for await (const e of parseSse(parts)) out.push(e);
    expect(out).toEqual([{ data: 'héllo ✓' }]);
  });

  it('drops an event without data and an unterminated last event', async () => {
    expect(await collect(['event: x\n\n', 'data: cut'])).toEqual([]);
  });
});
