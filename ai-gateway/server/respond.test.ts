import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SseWriter } from './respond.js';

/** A response whose socket takes `room` writes before it asks the writer to wait for `drain`. */
class SlowResponse extends EventEmitter {
  written: string[] = [];
  destroyed = false;
  constructor(private room: number) {
    super();
  }
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    return --this.room > 0;
  }
  end(chunk?: string): void {
    if (chunk) this.written.push(chunk);
  }
}

describe('SseWriter', () => {
  it('waits for drain when the client cannot take more, and resumes after it', async () => {
    const res = new SlowResponse(1);
    const writer = new SseWriter(res as unknown as ServerResponse);
    writer.start({});
    let settled = false;
    const pending = writer.data('{"a":1}').then((ok) => ((settled = true), ok));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    res.emit('drain');
    expect(await pending).toBe(true);
    expect(res.written).toEqual(['data: {"a":1}\n\n']);
  });

  it('answers false when the client goes away while waiting', async () => {
    const res = new SlowResponse(0);
    const writer = new SseWriter(res as unknown as ServerResponse);
    const pending = writer.data('{}');
    res.emit('close');
    expect(await pending).toBe(false);
  });

  it('ends a failed stream with an error event and no [DONE]', () => {
    const res = new SlowResponse(10);
    const writer = new SseWriter(res as unknown as ServerResponse);
    writer.fail({ status: 502, type: 'upstream_error', code: 'upstream_stream_failed', message: 'cut' });
    expect(res.written.join('')).toBe(
      'data: {"error":{"message":"cut","type":"upstream_error","code":"upstream_stream_failed","param":null}}\n\n',
    );
    expect(res.written.join('')).not.toContain('[DONE]');
  });
});
