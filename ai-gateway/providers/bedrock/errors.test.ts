import { describe, expect, it } from '@jest/globals';
import { bedrockFailure, redact } from './errors.js';

const err = (fields: Record<string, unknown>): Error => Object.assign(new Error('aws text'), fields);

describe('bedrockFailure', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['throttling', { name: 'ThrottlingException' }, { status: 429, type: 'rate_limit_error', retryable: true }],
    ['a used-up quota', { name: 'ServiceQuotaExceededException' }, { status: 429, retryable: true }],
    ['an unavailable service', { name: 'ServiceUnavailableException' }, { status: 503, retryable: true }],
    ['an internal error', { name: 'InternalServerException' }, { status: 502, retryable: true }],
    ['a model not ready', { name: 'ModelNotReadyException' }, { status: 503, retryable: true }],
    ['a model timeout', { name: 'ModelTimeoutException' }, { status: 504, type: 'timeout', retryable: true }],
    ['a connect timeout', { name: 'TimeoutError' }, { status: 504, type: 'timeout', retryable: true }],
    [
      'a reset socket (Node names it TimeoutError)',
      { name: 'TimeoutError', code: 'ECONNRESET' },
      { status: 502, code: 'connection_error', retryable: true },
    ],
    ['a refused connection', { code: 'ECONNREFUSED' }, { status: 502, code: 'connection_error', retryable: true }],
    ['missing credentials', { name: 'CredentialsProviderError' }, { status: 502, retryable: true }],
    ['access denied', { name: 'AccessDeniedException' }, { status: 403, type: 'permission_error', retryable: false }],
    [
      'an unknown model',
      { name: 'ResourceNotFoundException' },
      { status: 404, type: 'not_found_error', retryable: false },
    ],
    [
      'an invalid request',
      { name: 'ValidationException' },
      { status: 400, type: 'invalid_request_error', retryable: false },
    ],
    ['an abort', { name: 'AbortError' }, { status: 504, code: 'aborted', retryable: false }],
    ['an unmodelled 429', { name: 'Weird', $metadata: { httpStatusCode: 429 } }, { status: 429, retryable: true }],
    ['an unmodelled 4xx', { name: 'Weird', $metadata: { httpStatusCode: 413 } }, { status: 413, retryable: false }],
    ['an unmodelled 5xx', { name: 'Weird', $metadata: { httpStatusCode: 504 } }, { status: 502, retryable: true }],
    ['anything else', { name: 'Error' }, { status: 502, type: 'upstream_error', retryable: true }],
  ])('maps %s', (_, fields, expected) => {
    expect(bedrockFailure(err(fields))).toMatchObject(expected);
  });

  it("never repeats AWS's text, but for a validation message stripped of ARNs and keys", () => {
    const text = 'User: arn:aws:iam::123456789012:role/gw is not authorized; key ASIAABCDEFGHIJKLMNOP';
    expect(bedrockFailure(Object.assign(new Error(text), { name: 'AccessDeniedException' })).message).not.toMatch(
      /123456789012|ASIA/,
    );
    expect(bedrockFailure(Object.assign(new Error(text), { name: 'InternalServerException' })).message).toBe(
      'Bedrock failed internally (InternalServerException)',
    );
    expect(bedrockFailure(Object.assign(new Error(text), { name: 'ValidationException' })).message).toBe(
      'Bedrock rejected the request: User: <arn> is not authorized; key <key>',
    );
  });

  it('carries retry-after, in seconds or as a date', () => {
    const headers = (v: string): Record<string, unknown> => ({
      name: 'ThrottlingException',
      $response: { headers: { 'retry-after': v } },
    });
    expect(bedrockFailure(err(headers('3'))).retryAfterMs).toBe(3000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    expect(bedrockFailure(err(headers(at))).retryAfterMs).toBeGreaterThan(50_000);
    expect(bedrockFailure(err(headers('soon')))).not.toHaveProperty('retryAfterMs');
  });

  it('takes non-errors', () => {
    expect(bedrockFailure(undefined)).toMatchObject({ status: 502, retryable: true });
    expect(bedrockFailure('boom')).toMatchObject({ status: 502, retryable: true });
  });
});

describe('redact', () => {
  it('caps the length', () => {
    expect(redact('x'.repeat(2000))).toHaveLength(500);
  });
});
