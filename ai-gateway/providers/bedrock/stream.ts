import type { ChatChunk } from '../../openai/types.js';
import { MidStreamError, type ChatAttempt } from '../provider.js';
import type { ConverseStreamEvent } from './converse-types.js';
import { bedrockFailure } from './errors.js';
import { StreamTranslator, type ReplyMeta } from './translate-response.js';

/** Starts ConverseStream with the given signal; resolves once the HTTP response (200) has arrived. */
export type SendStream = (signal: AbortSignal) => Promise<{ stream?: AsyncIterable<ConverseStreamEvent> }>;

/**
 * Runs a ConverseStream call up to its first translated chunk. Anything that fails before it (an error status, a
 * connection dropped, an exception event, a stream with no event) is a failure the dispatcher may retry elsewhere;
 * after it, a failure throws MidStreamError from `rest`. The upstream call has its own abort controller, tied to the
 * caller's signal, so a consumer that stops reading also stops the upstream (and its billing). `release` (idempotent)
 * runs when the stream ends either way, or when the caller aborts.
 */
export async function startStream(
  send: SendStream,
  meta: ReplyMeta,
  signal: AbortSignal,
  release: () => void,
): Promise<ChatAttempt> {
  const upstream = new AbortController();
  // A caller that aborts may never read `rest`: the call is over for the pool's accounting too.
  const abort = (): void => {
    upstream.abort(signal.reason);
    release();
  };
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  const end = (): void => {
    signal.removeEventListener('abort', abort);
    upstream.abort();
    release();
  };
  let iterator: AsyncIterator<ChatChunk>;
  let first: IteratorResult<ChatChunk>;
  try {
    const out = await send(upstream.signal);
    if (!out.stream) throw Object.assign(new Error('no event stream'), { name: 'EmptyStream' });
    iterator = chunks(out.stream, new StreamTranslator(meta))[Symbol.asyncIterator]();
    first = await iterator.next();
  } catch (err) {
    end();
    return { ok: false, failure: bedrockFailure(err) };
  }
  if (first.done) {
    end();
    return {
      ok: false,
      failure: { ...bedrockFailure(undefined), message: 'Bedrock ended the stream before its first event' },
    };
  }
  return { ok: true, stream: { first: first.value, rest: rest(iterator, end) } };
}

async function* chunks(events: AsyncIterable<ConverseStreamEvent>, t: StreamTranslator): AsyncGenerator<ChatChunk> {
  for await (const event of events) yield* t.translate(event);
}

/**
 * The chunks after the first. A plain iterator rather than a generator: `return()` on a generator that has not
 * started skips its `finally`, and a consumer that stops before reading any must still end the upstream call.
 */
function rest(iterator: AsyncIterator<ChatChunk>, end: () => void): AsyncIterable<ChatChunk> {
  const next = async (): Promise<IteratorResult<ChatChunk>> => {
    try {
      const result = await iterator.next();
      if (result.done) end();
      return result;
    } catch (err) {
      end();
      if (err instanceof MidStreamError) throw err;
      throw new MidStreamError(`the Bedrock stream failed: ${bedrockFailure(err).message}`);
    }
  };
  const stop = (): Promise<IteratorResult<ChatChunk>> => {
    end();
    return Promise.resolve({ done: true, value: undefined });
  };
  return { [Symbol.asyncIterator]: () => ({ next, return: stop }) };
}
