import type { ChatChunk, FinishReason, ToolCallDelta } from '../../openai/types.js';
import type { SseEvent } from '../../openai/sse.js';
import { MidStreamError } from '../provider.js';
import { finishReason, toUsage } from './translate-response.js';
import type { AnthropicUsage } from './types.js';

export interface StreamOptions {
  /** Seconds since the epoch: every chunk's `created`. */
  created: number;
  /** The forced answer tool of a json_schema request: its input deltas are content deltas. */
  jsonTool?: string;
}

/** A stream that failed: an `error` event (`error` is its body's, e.g. `overloaded_error`), or a broken one. */
export class AnthropicStreamError extends MidStreamError {
  constructor(
    message: string,
    readonly error?: { type: string; message: string },
  ) {
    super(message);
    this.name = 'AnthropicStreamError';
  }
}

type Block = { kind: 'text' } | { kind: 'tool'; index: number } | { kind: 'answer' } | { kind: 'skip' };

type Delta = ChatChunk['choices'][number]['delta'];

interface EventData {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: Partial<AnthropicUsage> };
  content_block?: { type?: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: Partial<AnthropicUsage>;
  error?: { type?: string; message?: string };
}

/**
 * Translates Messages SSE events into chat chunks, one event at a time (pure): message_start is the role chunk,
 * text and tool-input deltas are content and tool-call deltas (a tool call's index counts tool_use blocks only),
 * message_delta is the finish chunk, and message_stop adds the usage chunk (empty choices) with the counts of
 * message_start and message_delta. Pings and unknown events are skipped; an `error` event throws.
 */
export class StreamTranslator {
  private id = '';
  private model = '';
  private started = false;
  private finished = false;
  private stopped = false;
  private usage: Partial<AnthropicUsage> = {};
  private readonly blocks = new Map<number, Block>();
  private toolCalls = 0;

  constructor(private readonly opts: StreamOptions) {}

  /** Whether message_stop arrived: a stream that ends before it is broken. */
  get complete(): boolean {
    return this.stopped;
  }

  push(event: SseEvent): ChatChunk[] {
    if (this.stopped) return [];
    const data = parse(event.data);
    const type = data.type ?? event.event;
    if (type === 'error') {
      const { type: errorType = 'api_error', message = 'stream error' } = data.error ?? {};
      throw new AnthropicStreamError(`anthropic stream error: ${errorType}: ${message}`, { type: errorType, message });
    }
    if (type === 'ping') return [];
    if (type === 'message_start') return this.start(data);
    if (!this.started) throw new AnthropicStreamError(`anthropic stream: ${type} before message_start`);
    switch (type) {
      case 'content_block_start':
        return this.blockStart(data);
      case 'content_block_delta':
        return this.blockDelta(data);
      case 'message_delta':
        return this.messageDelta(data);
      case 'message_stop':
        return this.stop();
      default:
        return [];
    }
  }

  /** Throws when the stream ended without message_stop. */
  end(): void {
    if (!this.stopped) throw new AnthropicStreamError('anthropic stream ended before message_stop');
  }

  private start(data: EventData): ChatChunk[] {
    this.started = true;
    this.id = data.message?.id ?? '';
    this.model = data.message?.model ?? '';
    this.usage = { ...data.message?.usage };
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  private blockStart(data: EventData): ChatChunk[] {
    const block = data.content_block ?? {};
    const at = data.index ?? this.blocks.size;
    if (block.type === 'text') {
      this.blocks.set(at, { kind: 'text' });
      return block.text ? [this.chunk({ content: block.text })] : [];
    }
    if (block.type !== 'tool_use') {
      this.blocks.set(at, { kind: 'skip' });
      return [];
    }
    if (block.name === this.opts.jsonTool) {
      this.blocks.set(at, { kind: 'answer' });
      return [];
    }
    const index = this.toolCalls++;
    this.blocks.set(at, { kind: 'tool', index });
    const call: ToolCallDelta = {
      index,
      id: block.id ?? '',
      type: 'function',
      function: { name: block.name ?? '', arguments: '' },
    };
    return [this.chunk({ tool_calls: [call] })];
  }

  private blockDelta(data: EventData): ChatChunk[] {
    const block = this.blocks.get(data.index ?? -1);
    const delta = data.delta ?? {};
    if (delta.type === 'text_delta' && block?.kind === 'text' && delta.text)
      return [this.chunk({ content: delta.text })];
    if (delta.type !== 'input_json_delta' || !delta.partial_json) return [];
    if (block?.kind === 'answer') return [this.chunk({ content: delta.partial_json })];
    if (block?.kind === 'tool')
      return [this.chunk({ tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] })];
    return [];
  }

  /** message_delta's usage counts are cumulative: they replace message_start's. */
  private messageDelta(data: EventData): ChatChunk[] {
    this.usage = { ...this.usage, ...definedOnly(data.usage) };
    if (!data.delta?.stop_reason || this.finished) return [];
    return [this.finish(finishReason(data.delta.stop_reason, this.toolCalls > 0))];
  }

  private stop(): ChatChunk[] {
    const out = this.finished ? [] : [this.finish('stop')];
    this.stopped = true;
    out.push({ ...this.chunk({}), choices: [], usage: toUsage(this.usage) });
    return out;
  }

  private finish(reason: FinishReason): ChatChunk {
    this.finished = true;
    const chunk = this.chunk({});
    chunk.choices[0]!.finish_reason = reason;
    return chunk;
  }

  private chunk(delta: Delta): ChatChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.opts.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: null }],
    };
  }
}

/**
 * The chunks of an event stream. Any failure of the source (a reset socket) and an end before message_stop is an
 * AnthropicStreamError, so the caller never mistakes a cut stream for a whole one.
 */
export async function* translateStream(
  events: AsyncIterable<SseEvent>,
  opts: StreamOptions,
): AsyncGenerator<ChatChunk> {
  const translator = new StreamTranslator(opts);
  try {
    for await (const event of events) yield* translator.push(event);
  } catch (err) {
    if (err instanceof AnthropicStreamError) throw err;
    throw new AnthropicStreamError(`anthropic stream broke: ${err instanceof Error ? err.message : String(err)}`);
  }
  translator.end();
}

function parse(data: string): EventData {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch {
    // Reported below, without the data: it may quote the prompt.
  }
  throw new AnthropicStreamError('anthropic stream: an event is not a JSON object');
}

function definedOnly(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  return Object.fromEntries(Object.entries(usage ?? {}).filter(([, v]) => v !== undefined && v !== null));
}
