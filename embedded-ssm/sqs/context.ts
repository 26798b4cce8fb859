import type { Caller, JsonObject } from '../types.js';
import type { QueueRegistry } from './registry.js';

/** Everything an SQS operation needs for one request. */
export interface SqsContext {
  registry: QueueRegistry;
  caller: Caller;
  now: () => number;
  /** Aborted when the client goes away, so a long poll stops waiting. */
  signal: AbortSignal;
}

export type SqsOperation = (ctx: SqsContext, body: JsonObject) => JsonObject | Promise<JsonObject>;
