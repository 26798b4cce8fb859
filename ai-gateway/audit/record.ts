import type { AuditConfig } from '../config.js';
import { canonicalJson, sha256Hex } from '../cache/canonical.js';
import type { TokenUsage } from '../metering/cost.js';
import type { CacheResult } from '../metering/usage.js';

export type PromptCapture = AuditConfig['prompts'];

/** One upstream attempt: which target was tried and, when it failed, why (codes only: no upstream message). */
export interface AuditAttempt {
  provider: string;
  /** The upstream's model id. */
  model: string;
  outcome: 'ok' | 'failed';
  status?: number;
  /** The failure's OpenAI error code (`rate_limit_exceeded`, `upstream_timeout`, ...). */
  code?: string;
  retryable?: boolean;
  durationMs?: number;
}

/** The fields a call's audit line carries as the server knows them. */
interface AuditCallFields {
  requestId: string;
  /** `/v1/chat/completions`, `/v1/embeddings`, `/v1/responses`. */
  endpoint: string;
  /** The gateway key's id; null without gateway keys (auth `none` or `passthrough`). */
  keyId: string | null;
  /** Null when the body did not name one (a malformed request). */
  requestedModel: string | null;
  /** The target that answered (or was tried last): `provider:model`. */
  resolvedModel: string | null;
  provider: string | null;
  stream: boolean;
  cache: CacheResult;
  status: number;
  errorCode: string | null;
  tokens: TokenUsage;
  costUsd: number;
  savedUsd: number;
}

/** What the server knows of a finished call. Only these fields reach the audit line, whatever else an object holds. */
export interface AuditInput extends AuditCallFields {
  /** Epoch milliseconds the request arrived. */
  time: number;
  clientAddress: string;
  overheadMs: number | null;
  ttftMs: number | null;
  totalMs: number;
  attempts: readonly AuditAttempt[];
  /** The messages (chat) or the input (embeddings), captured per the audit's prompt mode. */
  prompt?: unknown;
  /** A local model's overflow decision. */
  local?: AuditLocal;
}

/** What a local model's overflow policy decided: served here (queued N ms first), spilled to a model, or rejected. */
export interface AuditLocal {
  policy: string;
  decision: string;
  queuedMs: number;
  spilledTo?: string;
  reason?: string;
}

/** One line of the audit log. */
export interface AuditLine extends AuditCallFields {
  time: string;
  client: string;
  latencyMs: { overhead: number | null; ttft: number | null; total: number };
  attempts: AuditAttempt[];
  /** Prompt mode `hash`: SHA-256 of the canonical JSON of the prompt (equal prompts, equal hashes). */
  promptSha256?: string;
  /** Prompt mode `full`: the prompt itself. */
  prompt?: unknown;
  local?: AuditLocal;
}

function attempt(a: AuditAttempt): AuditAttempt {
  const out: AuditAttempt = { provider: a.provider, model: a.model, outcome: a.outcome };
  if (a.status !== undefined) out.status = a.status;
  if (a.code !== undefined) out.code = a.code;
  if (a.retryable !== undefined) out.retryable = a.retryable;
  if (a.durationMs !== undefined) out.durationMs = a.durationMs;
  return out;
}

function localOf(l: AuditLocal): AuditLocal {
  const out: AuditLocal = { policy: l.policy, decision: l.decision, queuedMs: l.queuedMs };
  if (l.spilledTo !== undefined) out.spilledTo = l.spilledTo;
  if (l.reason !== undefined) out.reason = l.reason;
  return out;
}

/** The audit line of a call, built field by field so nothing but what is named here is ever written. */
export function buildAuditLine(input: AuditInput, capture: PromptCapture): AuditLine {
  const line: AuditLine = {
    time: new Date(input.time).toISOString(),
    requestId: input.requestId,
    endpoint: input.endpoint,
    keyId: input.keyId,
    client: input.clientAddress,
    requestedModel: input.requestedModel,
    resolvedModel: input.resolvedModel,
    provider: input.provider,
    stream: input.stream,
    cache: input.cache,
    status: input.status,
    errorCode: input.errorCode,
    tokens: { prompt: input.tokens.prompt, completion: input.tokens.completion, cached: input.tokens.cached },
    costUsd: input.costUsd,
    savedUsd: input.savedUsd,
    latencyMs: { overhead: input.overheadMs, ttft: input.ttftMs, total: input.totalMs },
    attempts: input.attempts.map(attempt),
  };
  if (input.local) line.local = localOf(input.local);
  if (input.prompt !== undefined && capture === 'hash') line.promptSha256 = sha256Hex(canonicalJson(input.prompt));
  if (input.prompt !== undefined && capture === 'full') line.prompt = input.prompt;
  return line;
}

/**
 * Key-shaped strings, masked wherever they occur in a line (a full prompt included): bearer credentials, OpenAI and
 * Anthropic keys (`sk-…`, `sk-proj-…`, `sk-ant-…`), AWS access key ids. The characters matched never include a
 * quote or a backslash, so masking serialized JSON keeps it valid.
 */
const KEY_SHAPES: readonly [RegExp, string][] = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [REDACTED]'],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, '[REDACTED]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[REDACTED]'],
];

/** Shorter "secrets" would mask ordinary words; no real key is this short. */
const MIN_SECRET_LENGTH = 8;

/** A serialized line with every known secret (provider keys, ...) and every key-shaped string masked. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // A secret as it appears in JSON: escaping could otherwise hide a quote or a backslash in it from the search.
    const serialized = JSON.stringify(secret).slice(1, -1);
    if (serialized.length >= MIN_SECRET_LENGTH && out.includes(serialized))
      out = out.replaceAll(serialized, '[REDACTED]');
  }
  for (const [shape, mask] of KEY_SHAPES) out = out.replace(shape, mask);
  return out;
}
