/** One Server-Sent Events frame. */
export interface SseFrame {
  /** The `event:` field, 'message' when absent. */
  event: string;
  /** The `data:` lines joined with newlines. */
  data: string;
  id?: string;
}

/**
 * Incremental parser for the text/event-stream format (WHATWG HTML, "Server-sent events"): feed decoded text
 * in chunks of any size, get back the frames each chunk completes. One deviation: a frame that names an event
 * but carries no data is still delivered, because `event: synced` needs no payload to mean something.
 */
export class SseParser {
  private buffer = '';
  private skipLeadingLf = false;
  private started = false;
  private eventName = '';
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: string): SseFrame[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    // A CRLF split across chunks: the LF belongs to the CR that already ended a line.
    if (this.skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLeadingLf = false;
    this.buffer += text;
    const frames: SseFrame[] = [];
    for (let line = this.nextLine(); line !== undefined; line = this.nextLine()) {
      const frame = this.processLine(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** Takes the next complete line off the buffer, or undefined when the rest is incomplete. */
  private nextLine(): string | undefined {
    const match = /\r\n|\r|\n/.exec(this.buffer);
    if (!match) return undefined;
    // A lone CR at the very end may be the first half of CRLF: the line ends here either way.
    if (match[0] === '\r' && match.index === this.buffer.length - 1) this.skipLeadingLf = true;
    const line = this.buffer.slice(0, match.index);
    this.buffer = this.buffer.slice(match.index + match[0].length);
    return line;
  }

  private processLine(line: string): SseFrame | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    // retry and unknown fields are ignored: this client does not reconnect by itself.
    return undefined;
  }

  private dispatch(): SseFrame | undefined {
    const frame: SseFrame | undefined =
      this.data.length === 0 && this.eventName === ''
        ? undefined
        : {
            event: this.eventName || 'message',
            data: this.data.join('\n'),
            ...(this.id !== undefined ? { id: this.id } : {}),
          };
    this.eventName = '';
    this.data = [];
    return frame;
  }
}

/** Yields the frames of an event stream; stopping early (break/return) cancels the underlying stream. */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Cancelling errors when the stream already failed; there is nothing left to release then.
    await reader.cancel().catch(() => undefined);
  }
}
