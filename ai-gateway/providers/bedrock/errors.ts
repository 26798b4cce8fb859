import type { UpstreamFailure } from '../provider.js';

/**
 * SDK errors -> the failure the dispatcher acts on, matched by `error.name` (and the HTTP status for errors the SDK
 * does not model). Messages are ours, never AWS's text: an AccessDenied message names the caller's role ARN, and an
 * SDK or credential error may quote the request. The one exception is ValidationException, whose text is what the
 * client needs to fix its request; it is stripped of ARNs and access key ids first.
 */

interface Rule {
  status: number;
  type: string;
  code: string;
  retryable: boolean;
  message: string;
}

const RATE_LIMITED: Rule = {
  status: 429,
  type: 'rate_limit_error',
  code: 'rate_limit_exceeded',
  retryable: true,
  message: 'Bedrock throttled the request',
};

const BY_NAME: Readonly<Record<string, Rule>> = {
  ThrottlingException: RATE_LIMITED,
  // On-demand token quotas: waiting or another target helps, as with a 429.
  ServiceQuotaExceededException: { ...RATE_LIMITED, message: "the account's Bedrock quota for this model is used up" },
  ServiceUnavailableException: upstream(503, 'Bedrock is unavailable'),
  InternalServerException: upstream(502, 'Bedrock failed internally'),
  ModelNotReadyException: upstream(503, 'the Bedrock model is not ready'),
  ModelErrorException: upstream(502, 'the Bedrock model failed to process the request'),
  ModelTimeoutException: { ...upstream(504, 'the Bedrock model timed out'), type: 'timeout' },
  ModelStreamErrorException: upstream(502, 'the Bedrock model failed while streaming'),
  CredentialsProviderError: upstream(502, 'no AWS credentials for Bedrock (instance role or role to assume)'),
  TimeoutError: { ...upstream(504, 'no connection to Bedrock in time'), type: 'timeout' },
  AccessDeniedException: refused(
    403,
    'permission_error',
    'Bedrock denied access: the role needs bedrock:InvokeModel (and InvokeModelWithResponseStream) on this model, and the model must be enabled in the account',
  ),
  UnrecognizedClientException: refused(403, 'permission_error', 'Bedrock did not accept the AWS credentials'),
  ExpiredTokenException: upstream(502, 'the AWS credentials for Bedrock expired'),
  ResourceNotFoundException: refused(404, 'not_found_error', 'Bedrock does not know this model in this region'),
  ValidationException: refused(400, 'invalid_request_error', 'Bedrock rejected the request'),
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function upstream(status: number, message: string): Rule {
  return { status, type: 'upstream_error', code: 'upstream_error', retryable: true, message };
}

function refused(status: number, type: string, message: string): Rule {
  return { status, type, code: 'upstream_rejected', retryable: false, message };
}

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

export function bedrockFailure(err: unknown): UpstreamFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  // Node names a reset socket TimeoutError too: the code says what happened.
  const rule = connectionRule(e) ?? BY_NAME[name] ?? ruleOf(e, name);
  const failure: UpstreamFailure = { ...rule, message: `${rule.message} (${name})` };
  if (name === 'ValidationException' && typeof e.message === 'string') {
    failure.message = `Bedrock rejected the request: ${redact(e.message)}`;
  }
  const retryAfter = retryAfterMs(e.$response?.headers?.['retry-after']);
  if (retryAfter !== undefined) failure.retryAfterMs = retryAfter;
  return failure;
}

function ruleOf(e: SdkErrorLike, name: string): Rule {
  if (name === 'AbortError') {
    // The client went away or the gateway's deadline passed: the dispatcher knows which, and retries neither.
    return { status: 504, type: 'timeout', code: 'aborted', retryable: false, message: 'the Bedrock call was aborted' };
  }
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return RATE_LIMITED;
  if (status !== undefined && status >= 400 && status < 500) {
    return refused(status, 'invalid_request_error', `Bedrock refused the request with ${status}`);
  }
  return upstream(502, status === undefined ? 'the Bedrock call failed' : `Bedrock answered ${status}`);
}

function connectionRule(e: SdkErrorLike): Rule | undefined {
  if (typeof e.code !== 'string' || !CONNECTION_CODES.has(e.code)) return undefined;
  return { ...upstream(502, `connection to Bedrock failed: ${e.code}`), code: 'connection_error' };
}

/** Seconds (or an HTTP date) -> ms. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const MAX_MESSAGE = 500;

/** ARNs name accounts and roles; access key ids name credentials. Neither belongs in a client's error. */
export function redact(message: string): string {
  return message
    .replace(/arn:aws[\w-]*:[^\s"',]+/g, '<arn>')
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<key>')
    .slice(0, MAX_MESSAGE);
}
