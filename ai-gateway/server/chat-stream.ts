import { assemble } from '../cache/stream.js';
import type { ChatChunk, ChatCompletion, ChatRequest, Usage } from '../openai/types.js';
import type { ChunkStream } from '../providers/provider.js';
import type { RequestContext } from './context.js';
import { TotalTimeout } from './dispatch.js';
import { SseWriter } from './respond.js';

export interface RelayResult {
  status: number;
  usage?: Usage;
  errorCode?: string;
  /** performance.now() when the first event was written to the client. */
  firstWrittenAt: number;
}

/**
 * Relays a started stream to the client event by event, waiting on the client's socket (backpressure). The usage
 * chunk the gateway asked for is passed on only when the client asked for it too. A failure after the first event
 * ends the stream with an error event and no `[DONE]`; only a stream that ended normally is cached.
 */
export async function relayStream(
  ctx: RequestContext,
  request: ChatRequest,
  stream: ChunkStream,
  opts: { headers: Record<string, string>; store?: (c: ChatCompletion) => Promise<void> },
): Promise<RelayResult> {
  const writer = new SseWriter(ctx.res);
  writer.start(opts.headers);
  const relay = new Relay(writer, request.stream_options?.include_usage === true, !!opts.store);
  const clientGone = !(await relay.emit(stream.first));
  const firstWrittenAt = performance.now();
  const result = (status: number, errorCode?: string): RelayResult => ({
    status,
    firstWrittenAt,
    ...(errorCode ? { errorCode } : {}),
    ...(relay.usage ? { usage: relay.usage } : {}),
  });
  if (clientGone) return result(499, 'client_closed');
  try {
    for await (const chunk of stream.rest) if (!(await relay.emit(chunk))) return result(499, 'client_closed');
  } catch (err) {
    if (ctx.signal.aborted && ctx.res.destroyed) return result(499, 'client_closed');
    const reason: unknown = ctx.signal.reason;
    if (reason instanceof TotalTimeout) {
      writer.fail({ status: 504, type: 'timeout', code: 'total_timeout', message: reason.message });
      return result(504, 'total_timeout');
    }
    const message = ctx.runtime.redact(err instanceof Error ? err.message : String(err));
    writer.fail({ status: 502, type: 'upstream_error', code: 'upstream_stream_failed', message });
    return result(502, 'upstream_stream_failed');
  }
  writer.done();
  const whole = opts.store ? assembled(relay.kept) : undefined;
  if (whole) await opts.store?.(whole);
  return result(200);
}

/** The stream as one completion; a stream that does not assemble is not cached. */
function assembled(chunks: readonly ChatChunk[]): ChatCompletion | undefined {
  try {
    return assemble(chunks);
  } catch {
    return undefined;
  }
}

/** Writes chunks on, keeping the usage (and, for the cache, the chunks) as they pass. */
class Relay {
  usage: Usage | undefined;
  readonly kept: ChatChunk[] = [];

  constructor(
    private readonly writer: SseWriter,
    private readonly wantUsage: boolean,
    private readonly keep: boolean,
  ) {}

  /** False when the client has gone. */
  emit(chunk: ChatChunk): Promise<boolean> {
    if (this.keep) this.kept.push(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    const out = this.wantUsage || !chunk.usage ? chunk : withoutUsage(chunk);
    return out ? this.writer.data(JSON.stringify(out)) : Promise.resolve(true);
  }
}

/** The chunk without the usage the client did not ask for; nothing when usage was all it carried. */
function withoutUsage(chunk: ChatChunk): ChatChunk | undefined {
  if (chunk.choices.length === 0) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest;
}
