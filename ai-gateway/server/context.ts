import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletion, ChatRequest, Usage } from '../openai/types.js';
import type { OverflowDecision } from '../local/overflow.js';
import type { Caller } from './auth.js';
import type { AttemptRecord } from './dispatch.js';
import type { GatewayRuntime } from './runtime.js';

import type { CacheResult } from '../metering/usage.js';

export type { CacheResult };

/** What one call did, for metering, metrics, the audit line and provider health. Never a key. */
export interface CallOutcome {
  requestId: string;
  endpoint: 'chat' | 'embeddings' | 'responses';
  startedAt: number;
  clientAddress: string;
  keyId: string;
  requestedModel: string;
  /** The route metrics and usage group by (config-bound: never a name a client made up). */
  routedModel?: string;
  /** The target that answered (or failed last). */
  resolved?: { provider: string; model: string; price: { input: number; output: number; cachedInput: number } };
  cache: CacheResult;
  /** A local model's overflow decision: served here (after queueing), spilled, or rejected. */
  local?: OverflowDecision;
  status: number;
  errorCode?: string;
  usage?: Usage;
  tried: AttemptRecord[];
  stream: boolean;
  overheadMs?: number;
  ttftMs?: number;
  totalMs: number;
  /** For the audit's prompt capture (hash or full, per config); never logged otherwise. */
  request?: ChatRequest | Record<string, unknown>;
}

/** Where an outcome goes: the ledger, the metrics and the audit log. */
export interface OutcomeSink {
  record(outcome: CallOutcome): void;
}

/** The exact-match cache as the request path sees it. */
export interface ChatCache {
  /** The request's key, or undefined when it may not be cached (n > 1, caching off). */
  keyFor(request: ChatRequest, resolvedModel: string, scope: string): string | undefined;
  get(key: string): Promise<ChatCompletion | undefined>;
  set(key: string, completion: ChatCompletion, meta: { model: string; provider: string }): Promise<void>;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  runtime: GatewayRuntime;
  caller: Caller;
  requestId: string;
  clientAddress: string;
  startedAt: number;
  /** Aborted when the client goes away or the total deadline passes. */
  signal: AbortSignal;
}

export function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 1000) / 1000;
}
