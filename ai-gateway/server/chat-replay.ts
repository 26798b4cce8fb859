import { replay } from '../cache/stream.js';
import type { ChatCompletion, ChatRequest } from '../openai/types.js';
import type { RequestContext } from './context.js';
import { elapsed } from './context.js';
import { SseWriter } from './respond.js';

/** A cached answer to a client that streams: replayed as the stream it would have been. Answers the time to first event. */
export async function replayStream(
  ctx: RequestContext,
  request: ChatRequest,
  hit: ChatCompletion,
  headers: Record<string, string>,
): Promise<number> {
  const writer = new SseWriter(ctx.res);
  writer.start(headers);
  let ttft: number | undefined;
  for (const chunk of replay(hit, { includeUsage: request.stream_options?.include_usage === true })) {
    if (!(await writer.data(JSON.stringify(chunk)))) return ttft ?? elapsed(ctx.startedAt);
    ttft ??= elapsed(ctx.startedAt);
  }
  writer.done();
  return ttft ?? elapsed(ctx.startedAt);
}
