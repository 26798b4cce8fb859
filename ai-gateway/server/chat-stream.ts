import { assemble } from '../cache/stream.js';
import type { ChatChunk, ChatCompletion, ChatRequest, Usage } from '../openai/types.js';
import type { ChunkStream } from '../providers/provider.js';
import type { RequestContext } from './context.js';
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
  const wantUsage = request.stream_options?.include_usage === true;
  const kept: ChatChunk[] | undefined = opts.store ? [] : undefined;
  let usage: Usage | undefined;
  const emit = (chunk: ChatChunk): Promise<boolean> => {
    kept?.push(chunk);
    if (chunk.usage) usage = chunk.usage;
    const out = wantUsage || !chunk.usage ? chunk : withoutUsage(chunk);
    return out ? writer.data(JSON.stringify(out)) : Promise.resolve(true);
  };
  const clientGone = !(await emit(stream.first));
  const firstWrittenAt = performance.now();
  if (clientGone) return gone(usage, firstWrittenAt);
  try {
    for await (const chunk of stream.rest) if (!(await emit(chunk))) return gone(usage, firstWrittenAt);
  } catch (err) {
    if (ctx.signal.aborted && ctx.res.destroyed) return gone(usage, firstWrittenAt);
    const message = err instanceof Error ? err.message : String(err);
    writer.fail({ status: 502, type: 'upstream_error', code: 'upstream_stream_failed', message });
    return { status: 502, errorCode: 'upstream_stream_failed', firstWrittenAt, ...(usage ? { usage } : {}) };
  }
  writer.done();
  if (kept && opts.store && (request.n ?? 1) === 1) await opts.store(assemble(kept)).catch(() => undefined);
  return { status: 200, firstWrittenAt, ...(usage ? { usage } : {}) };
}

/** The chunk without the usage the client did not ask for; nothing when usage was all it carried. */
function withoutUsage(chunk: ChatChunk): ChatChunk | undefined {
  if (chunk.choices.length === 0) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatChunk;
}

/** The client went away: its socket is closed and the upstream call aborted (ctx.signal). */
function gone(usage: Usage | undefined, firstWrittenAt: number): RelayResult {
  return { status: 499, errorCode: 'client_closed', firstWrittenAt, ...(usage ? { usage } : {}) };
}
