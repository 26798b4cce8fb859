import { describe, expect, it } from '@jest/globals';
import { SseParser, sseFrames, type SseFrame } from './sse.js';

function parseAll(chunks: readonly string[]): SseFrame[] {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
}

describe('SseParser', () => {
  it('parses named events, multi-line data, ids and ignores comments', () => {
    const text = ': keep-alive\n\nevent: status\ndata: {"a":1}\n\ndata: line1\ndata:line2\nid: 7\n\nevent: synced\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'status', data: '{"a":1}' },
      { event: 'message', data: 'line1\nline2', id: '7' },
      // The last event ID carries over to later frames, as the SSE spec says.
      { event: 'synced', data: '', id: '7' },
    ]);
  });

  it('gives the same frames whatever the chunking, with CRLF, CR and a BOM', () => {
    const text = '\uFEFFevent: status\r\ndata: {"x":"y"}\r\n\r\nevent: synced\rdata\r\r';
    const expected = [
      { event: 'status', data: '{"x":"y"}' },
      { event: 'synced', data: '' },
    ];
    expect(parseAll([text])).toEqual(expected);
    expect(parseAll(text.split(''))).toEqual(expected);
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
  });

  it('holds an unterminated frame back until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: status\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'status', data: '{}' }]);
  });

  it('keeps only one leading space of a value and resets the event name per frame', () => {
    expect(parseAll(['event: a\ndata:  two spaces\n\ndata: x\n\n'])).toEqual([
      { event: 'a', data: ' two spaces' },
      { event: 'message', data: 'x' },
    ]);
  });
});

describe('sseFrames', () => {
  it('decodes a byte stream, including UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: status\ndata: "héllo ✓"\n\n');
    const chunks = [bytes.slice(0, 22), bytes.slice(22, 25), bytes.slice(25)];
    const body = new ReadableStream<Uint8Array>({
      start(controller): void {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const frames: SseFrame[] = [];
    for await (const f of sseFrames(body)) frames.push(f);
    expect(frames).toEqual([{ event: 'status', data: '"héllo ✓"' }]);
  });

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller): void {
        controller.enqueue(new TextEncoder().encode('event: tick\n\n'));
      },
      cancel(): void {
        cancelled = true;
      },
    });
    for await (const f of sseFrames(body)) {
      expect(f.event).toBe('tick');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
