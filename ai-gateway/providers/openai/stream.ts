import { parseSse } from '../../openai/sse.js';
import type { ChatChunk } from '../../openai/types.js';
import { MidStreamError, type ChatAttempt } from '../provider.js';
import { failureFromError } from '../upstream-http.js';

/**
 * Reads an OpenAI chat stream up to its first chunk: until then a failure is the attempt's (retryable elsewhere);
 * after it, the stream is started and a failure ends it (MidStreamError). A stream must end with `[DONE]`: one that
 * stops without it was cut.
 */
export async function startChunkStream(
  provider: string,
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
): Promise<ChatAttempt> {
  const chunks = chunksOf(provider, body);
  try {
    const first = await chunks.next();
    if (first.done) throw new MidStreamError(`${provider} ended the stream before its first chunk`);
    return { ok: true, stream: { first: first.value, rest: rest(chunks) } };
  } catch (err) {
    await chunks.return(undefined).catch(() => undefined);
    if (signal.aborted) return { ok: false, failure: failureFromError(provider, err, signal) };
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      failure: { status: 502, type: 'upstream_error', code: 'upstream_stream_failed', message, retryable: true },
    };
  }
}

async function* rest(chunks: AsyncGenerator<ChatChunk>): AsyncGenerator<ChatChunk> {
  yield* { [Symbol.asyncIterator]: () => chunks };
}

async function* chunksOf(provider: string, body: AsyncIterable<Buffer>): AsyncGenerator<ChatChunk> {
  try {
    for await (const event of parseSse(body)) {
      if (event.data === '[DONE]') return;
      const parsed = parse(event.data);
      if (!parsed) throw new MidStreamError(`${provider} sent an event that is not a chat chunk`);
      if ('error' in parsed) throw new MidStreamError(`${provider} failed mid-stream: ${describe(parsed.error)}`);
      yield parsed;
    }
  } catch (err) {
    if (err instanceof MidStreamError) throw err;
    throw new MidStreamError(`${provider} stream broke: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw new MidStreamError(`${provider} stream ended without [DONE]`);
}

/** A chat chunk (its choices an array: what the gateway reads of it), an error event, or nothing usable. */
function parse(data: string): ChatChunk | { error: unknown } | undefined {
  try {
    const value = JSON.parse(data) as Record<string, unknown> | null;
    if (value && 'error' in value) return value as { error: unknown };
    return value && Array.isArray(value.choices) ? (value as unknown as ChatChunk) : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message.slice(0, 300) : 'error event';
}
