import { describe, expect, it } from '@jest/globals';
import { sha256Hex } from '../cache/canonical.js';
import { buildAuditLine, redactSecrets, type AuditInput } from './record.js';

function auditInput(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    time: Date.UTC(2026, 0, 10, 12, 0, 0, 250),
    requestId: 'req-1',
    endpoint: '/v1/chat/completions',
    keyId: 'team-a',
    clientAddress: '10.0.1.5',
    requestedModel: 'gpt',
    resolvedModel: 'openai:gpt-4o-mini',
    provider: 'openai',
    stream: true,
    cache: 'miss',
    status: 200,
    errorCode: null,
    tokens: { prompt: 12, completion: 3, cached: 0 },
    costUsd: 0.0001,
    savedUsd: 0,
    overheadMs: 0.4,
    ttftMs: 180,
    totalMs: 950,
    attempts: [
      {
        provider: 'anthropic',
        model: 'claude',
        outcome: 'failed',
        status: 429,
        code: 'rate_limit_exceeded',
        retryable: true,
      },
      { provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok', status: 200, durationMs: 940 },
    ],
    prompt: [{ role: 'user', content: 'hello' }],
    ...overrides,
  };
}

describe('buildAuditLine', () => {
  it('writes the call: ids, models, cache result, status, tokens, money, latencies, client and attempts', () => {
    expect(buildAuditLine(auditInput(), 'none')).toEqual({
      time: '2026-01-10T12:00:00.250Z',
      requestId: 'req-1',
      endpoint: '/v1/chat/completions',
      keyId: 'team-a',
      client: '10.0.1.5',
      requestedModel: 'gpt',
      resolvedModel: 'openai:gpt-4o-mini',
      provider: 'openai',
      stream: true,
      cache: 'miss',
      status: 200,
      errorCode: null,
      tokens: { prompt: 12, completion: 3, cached: 0 },
      costUsd: 0.0001,
      savedUsd: 0,
      latencyMs: { overhead: 0.4, ttft: 180, total: 950 },
      attempts: [
        {
          provider: 'anthropic',
          model: 'claude',
          outcome: 'failed',
          status: 429,
          code: 'rate_limit_exceeded',
          retryable: true,
        },
        { provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok', status: 200, durationMs: 940 },
      ],
    });
  });

  it('captures the prompt per mode: none, a hash of its canonical JSON, or in full', () => {
    const input = auditInput({ prompt: [{ role: 'user', content: 'hello' }] });
    const reordered = auditInput({ prompt: [{ content: 'hello', role: 'user' }] });
    expect(buildAuditLine(input, 'none')).not.toHaveProperty('prompt');
    expect(buildAuditLine(input, 'none')).not.toHaveProperty('promptSha256');
    const hashed = buildAuditLine(input, 'hash');
    expect(hashed.promptSha256).toBe(sha256Hex('[{"content":"hello","role":"user"}]'));
    expect(buildAuditLine(reordered, 'hash').promptSha256).toBe(hashed.promptSha256);
    expect(hashed).not.toHaveProperty('prompt');
    expect(buildAuditLine(input, 'full').prompt).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('copies only the fields it names, from the input and from each attempt', () => {
    const leaky = { provider: 'openai', model: 'm', outcome: 'failed' as const, message: 'secret', apiKey: 'secret' };
    const stuffed: AuditInput = Object.assign(auditInput({ attempts: [leaky] }), {
      headers: { authorization: 'Bearer secret' },
      apiKey: 'secret',
    });
    expect(JSON.stringify(buildAuditLine(stuffed, 'full'))).not.toContain('secret');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['a bearer credential', 'Authorization: Bearer abc.DEF-123_x=', 'Authorization: Bearer [REDACTED]'],
    ['an OpenAI project key', 'key sk-proj-AbCdEfGhIjKlMnOpQrStUv', 'key [REDACTED]'],
    ['an Anthropic key', 'sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA done', '[REDACTED] done'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '[REDACTED]'],
  ])('masks %s', (_name, text, masked) => {
    expect(redactSecrets(text, [])).toBe(masked);
  });

  it('masks each known secret as it appears in JSON, and leaves JSON valid', () => {
    const secret = 'pr0vider"key\\with-quote';
    const line = JSON.stringify({ prompt: `here: ${secret}`, other: 'fine' });
    const out = redactSecrets(line, [secret]);
    expect(JSON.parse(out)).toEqual({ prompt: 'here: [REDACTED]', other: 'fine' });
  });

  it('ignores a "secret" too short to be a key rather than masking ordinary words', () => {
    expect(redactSecrets('{"a":"ok"}', ['ok'])).toBe('{"a":"ok"}');
  });
});
