/** One server-sent event: its `event:` name (absent for the default `message`) and its data lines joined. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Parses a server-sent event stream (the WHATWG framing: LF, CRLF or CR line ends, `data:` lines joined by LF,
 * comments and `id:`/`retry:` ignored) chunk by chunk, so each event is handed on as soon as its blank line arrives.
 */
export async function* parseSse(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<SseEvent> {
  const decoder = new SseDecoder();
  for await (const chunk of body) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** The same parser fed by hand: for a body that is passed on as it is and only read along the way. */
export class SseDecoder {
  private readonly text = new TextDecoder();
  private readonly state: ParserState = { buffer: '', data: [] };

  push(chunk: Buffer | string): SseEvent[] {
    this.state.buffer += typeof chunk === 'string' ? chunk : this.text.decode(chunk, { stream: true });
    return [...drain(this.state)];
  }

  /** A CR ending the stream ends its line: there is no LF left to wait for. */
  end(): SseEvent[] {
    if (!this.state.buffer.endsWith('\r')) return [];
    this.state.buffer += '\n';
    return [...drain(this.state)];
  }
}

interface ParserState {
  buffer: string;
  event?: string;
  data: string[];
}

function* drain(state: ParserState): Generator<SseEvent> {
  let end: number;
  while ((end = lineEnd(state.buffer)) >= 0) {
    const { buffer } = state;
    const line = buffer.slice(0, end);
    state.buffer = buffer.slice(end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1));
    if (line === '') {
      const { event, data } = state;
      if (data.length > 0) yield event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
      state.event = undefined;
      state.data = [];
      continue;
    }
    const field = parseField(line);
    if (field?.name === 'data') state.data.push(field.value);
    else if (field?.name === 'event') state.event = field.value;
  }
}

/** The first line end; a CR at the very end may still be the first half of a CRLF, so it waits for more. */
function lineEnd(buffer: string): number {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer.charCodeAt(i);
    if (c === 10) return i;
    if (c === 13) return i + 1 < buffer.length ? i : -1;
  }
  return -1;
}

function parseField(line: string): { name: string; value: string } | undefined {
  if (line.startsWith(':')) return undefined;
  const colon = line.indexOf(':');
  if (colon < 0) return { name: line, value: '' };
  const value = line.slice(colon + 1);
  return { name: line.slice(0, colon), value: value.startsWith(' ') ? value.slice(1) : value };
}
