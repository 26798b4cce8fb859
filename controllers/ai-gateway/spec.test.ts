import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import { validateAiGatewaySpec } from './spec.js';

const openai = { name: 'openai', type: 'openai', apiKeySecretRef: { name: 'ai-providers', key: 'openai' } };
const keysAuth = { mode: 'keys', secretRef: { name: 'ai-keys' }, keys: [{ id: 'team-a' }] };
const minimal = { providers: [openai], auth: keysAuth };

const model = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  provider: 'openai',
  model: `up-${name}`,
  ...extra,
});

function errorsOf(raw: unknown): string[] {
  const result = validateAiGatewaySpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

/** Every error stays on one line: errors reach status, events and logs. */
function expectOneLineEach(errors: readonly string[]): void {
  for (const error of errors) expect(error).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
}

describe('validateAiGatewaySpec', () => {
  it('fills in every default of a minimal spec', () => {
    expect(validateAiGatewaySpec(minimal)).toEqual({
      ok: true,
      value: {
        enable: true,
        listen: { address: '0.0.0.0', port: 8090 },
        adminPort: 8091,
        providers: [{ ...openai, apiKeySecretRef: { name: 'ai-providers', key: 'openai' }, maxSockets: 64 }],
        models: [],
        auth: { ...keysAuth, keys: [{ id: 'team-a', models: ['*'] }] },
        cache: { enabled: true, scope: 'key', ttlSeconds: 3600, memoryMb: 256, diskMb: 1024 },
        semanticCache: { enabled: false, threshold: 0.95, ttlSeconds: 86400, maxEntries: 100000, embedTimeoutMs: 2000 },
        metering: { retentionDays: 90 },
        audit: { enabled: true, prompts: 'hash', maxMb: 100, maxAgeHours: 24, maxFiles: 10 },
        limits: {
          maxBodyKb: 10240,
          connectTimeoutMs: 5000,
          firstTokenTimeoutMs: 60000,
          totalTimeoutMs: 600000,
          retries: 2,
          backoffMs: 250,
        },
      },
    });
  });

  it('defaults a model to chat, no fallback, price 0 and a provider key name to apiKey', () => {
    const spec = {
      providers: [{ name: 'anthropic', type: 'anthropic', apiKeySecretRef: { name: 's' } }],
      models: [{ name: 'claude', provider: 'anthropic', model: 'claude-3-5-haiku-latest' }],
      auth: { mode: 'passthrough' },
    };
    const result = validateAiGatewaySpec({ ...spec, providers: [...spec.providers, openai] });
    expect(result.ok && result.value.models).toEqual([
      { ...spec.models[0], kind: 'chat', price: { input: 0, output: 0 }, fallback: [] },
    ]);
    expect(result.ok && result.value.providers?.[0]?.apiKeySecretRef).toEqual({ name: 's', key: 'apiKey' });
  });

  it('accepts the kind example, a disabled gateway with nothing else, and leaves its input alone', () => {
    expect(validateAiGatewaySpec(aiGatewayKind.example.spec)).toMatchObject({ ok: true });
    expect(validateAiGatewaySpec({ enable: false })).toMatchObject({ ok: true });
    const raw = structuredClone(minimal);
    validateAiGatewaySpec(raw);
    expect(raw).toEqual(minimal);
  });

  it('accepts the other examples of docs/kinds/aigateway.md', () => {
    const passthrough = { providers: [{ name: 'openai', type: 'openai' }], auth: { mode: 'passthrough' } };
    const vllm = {
      clientCidrs: ['10.0.8.0/24'],
      providers: [{ name: 'vllm', type: 'openai', baseUrl: 'http://10.0.3.15:8000/v1' }],
      models: [{ name: 'llama-3.1-8b', provider: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct' }],
      auth: { mode: 'none' },
    };
    for (const spec of [passthrough, vllm]) expect(validateAiGatewaySpec(spec)).toMatchObject({ ok: true });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no providers', { auth: keysAuth }, /^spec\.providers: at least one provider is needed$/],
    ['no auth', { providers: [openai] }, /^spec\.auth: required/],
    ['an unknown field', { ...minimal, bogus: 1 }, /^spec: unknown field "bogus"$/],
    ['the admin port on the listen port', { ...minimal, adminPort: 8090 }, /^spec\.adminPort: 8090 is also/],
    ['a listen port of 0', { ...minimal, listen: { port: 0 } }, /^spec\.listen\.port: must be >= 1$/],
    ['a host-bits CIDR', { ...minimal, clientCidrs: ['10.0.0.1/16'] }, /clientCidrs\[0\]: 10\.0\.0\.1\/16 has host/],
    ['an unknown provider type', { ...minimal, providers: [{ name: 'x', type: 'gemini' }] }, /must be one of/],
    ['a provider name in capitals', { ...minimal, providers: [{ ...openai, name: 'OpenAI' }] }, /name: must match/],
    [
      'a provider listed twice',
      { ...minimal, providers: [openai, openai] },
      /^spec\.providers\[1\]\.name: openai is also/,
    ],
    [
      'Anthropic without a key',
      { ...minimal, providers: [openai, { name: 'a', type: 'anthropic' }] },
      /required for Anthropic/,
    ],
    [
      'Bedrock without a region',
      { ...minimal, providers: [openai, { name: 'b', type: 'bedrock' }] },
      /region: required/,
    ],
    [
      'Bedrock with an API key',
      { ...minimal, providers: [{ name: 'b', type: 'bedrock', region: 'us-east-1', apiKeySecretRef: { name: 's' } }] },
      /Bedrock takes no API key/,
    ],
    [
      'Bedrock with headers',
      { ...minimal, providers: [{ name: 'b', type: 'bedrock', region: 'eu-west-1', headers: { a: 'b' } }] },
      /not for Bedrock/,
    ],
    [
      'a region for OpenAI',
      { ...minimal, providers: [{ ...openai, region: 'us-east-1' }] },
      /region: only for Bedrock/,
    ],
    [
      'a role for OpenAI',
      { ...minimal, providers: [{ ...openai, roleArn: 'arn:aws:iam::123456789012:role/x' }] },
      /roleArn: only/,
    ],
    [
      'an external id without a role',
      {
        ...minimal,
        providers: [{ name: 'b', type: 'bedrock', region: 'us-east-1', externalIdSecretRef: { name: 's' } }],
      },
      /externalIdSecretRef: only with roleArn/,
    ],
    [
      'an external id for OpenAI',
      { ...minimal, providers: [{ ...openai, externalIdSecretRef: { name: 's' } }] },
      /externalIdSecretRef: only for Bedrock/,
    ],
    [
      'a bad role ARN',
      {
        ...minimal,
        providers: [{ name: 'b', type: 'bedrock', region: 'us-east-1', roleArn: 'arn:aws:iam::1:role/x' }],
      },
      /roleArn: must match/,
    ],
    [
      'a bad region',
      { ...minimal, providers: [{ name: 'b', type: 'bedrock', region: 'us-east-1; rm' }] },
      /region: must match/,
    ],
    ['maxSockets 0', { ...minimal, providers: [{ ...openai, maxSockets: 0 }] }, /maxSockets: must be >= 1/],
    [
      'a model listed twice',
      { ...minimal, models: [model('a'), model('a')] },
      /^spec\.models\[1\]\.name: a is listed twice$/,
    ],
    [
      'a local/ model',
      { ...minimal, models: [model('local/llama')] },
      /local\/ prefix is reserved for local inference/,
    ],
    [
      'a model of no provider',
      { ...minimal, models: [model('a', { provider: 'nope' })] },
      /provider: no provider named nope/,
    ],
    [
      'a fallback to nothing',
      { ...minimal, models: [model('a', { fallback: ['b'] })] },
      /fallback\[0\]: no model named b/,
    ],
    [
      'a fallback to itself',
      { ...minimal, models: [model('a', { fallback: ['a'] })] },
      /fallback\[0\]: a is the model itself/,
    ],
    [
      'a fallback of another kind',
      { ...minimal, models: [model('a', { fallback: ['e'] }), model('e', { kind: 'embeddings' })] },
      /fallback\[0\]: e is embeddings, a is chat/,
    ],
    [
      'a fallback cycle',
      {
        ...minimal,
        models: [model('a', { fallback: ['b'] }), model('b', { fallback: ['c'] }), model('c', { fallback: ['a'] })],
      },
      /^spec\.models\[0\]\.fallback: a cycle: a -> b -> c -> a$/,
    ],
    [
      'a fallback chain of nine models',
      {
        ...minimal,
        models: Array.from({ length: 9 }, (_, i) => model(`m${i}`, { fallback: i < 8 ? [`m${i + 1}`] : [] })),
      },
      /^spec\.models\[0\]\.fallback: m0 falls back through 9 models, at most 8$/,
    ],
    [
      'Anthropic embeddings',
      {
        ...minimal,
        providers: [openai, { name: 'an', type: 'anthropic', apiKeySecretRef: { name: 's' } }],
        models: [model('e', { provider: 'an', kind: 'embeddings' })],
      },
      /kind: Anthropic has no embeddings API/,
    ],
    ['a negative price', { ...minimal, models: [model('a', { price: { input: -1 } })] }, /price\.input: must be >= 0/],
    [
      'five fallbacks',
      { ...minimal, models: [model('a', { fallback: ['b', 'c', 'd', 'e', 'f'] })] },
      /fallback: must NOT have more than 4/,
    ],
    [
      'mode keys without keys',
      { ...minimal, auth: { mode: 'keys' } },
      /spec\.auth: must have required property 'secretRef'/,
    ],
    [
      'mode none without client CIDRs',
      { ...minimal, auth: { mode: 'none' } },
      /^spec\.clientCidrs: required with spec\.auth\.mode none/,
    ],
    [
      'keys with mode none',
      { ...minimal, clientCidrs: ['10.0.0.0/8'], auth: { ...keysAuth, mode: 'none' } },
      /^spec\.auth\.keys: only with mode keys$/,
    ],
    [
      'passthrough without an OpenAI provider',
      { providers: [{ name: 'b', type: 'bedrock', region: 'us-east-1' }], auth: { mode: 'passthrough' } },
      /passthrough forwards the client key to OpenAI-type providers/,
    ],
    [
      'a key id twice',
      { ...minimal, auth: { ...keysAuth, keys: [{ id: 'a' }, { id: 'a', secretKey: 'b' }] } },
      /keys\[1\]\.id: a is listed twice/,
    ],
    [
      'two keys sharing a Secret key',
      { ...minimal, auth: { ...keysAuth, keys: [{ id: 'a' }, { id: 'b', secretKey: 'a' }] } },
      /keys\[1\]\.secretKey: a is also the Secret key of a/,
    ],
    [
      'a key for an unknown model',
      { ...minimal, auth: { ...keysAuth, keys: [{ id: 'a', models: ['gpt-4o'] }] } },
      /models\[0\]: gpt-4o is not in spec\.models and has no provider prefix/,
    ],
    [
      'a key for a local name that no LocalModel could serve',
      { ...minimal, auth: { ...keysAuth, keys: [{ id: 'a', models: ['local/../x'] }] } },
      /models\[0\]: local\/\.\.\/x is not local\/\* nor local\/<served name>/,
    ],
    [
      'a key model pattern in the middle',
      { ...minimal, auth: { ...keysAuth, keys: [{ id: 'a', models: ['open*'] }] } },
      /models\[0\]: must match/,
    ],
    [
      'a connect timeout past the first token',
      { ...minimal, limits: { connectTimeoutMs: 60000, firstTokenTimeoutMs: 1000 } },
      /connectTimeoutMs: longer/,
    ],
    [
      'a first-token timeout past the total',
      { ...minimal, limits: { firstTokenTimeoutMs: 600000, totalTimeoutMs: 1000 } },
      /firstTokenTimeoutMs: longer/,
    ],
    ['six retries', { ...minimal, limits: { retries: 6 } }, /retries: must be <= 5/],
    [
      'an unknown audit prompt mode',
      { ...minimal, audit: { prompts: 'all' } },
      /prompts: must be one of none, hash, full/,
    ],
  ])('refuses %s', (_, raw, message) => {
    const errors = errorsOf(raw);
    expect(errors).toContainEqual(expect.stringMatching(message));
    expectOneLineEach(errors);
  });

  it('accepts keys for table models, prefix routes and patterns', () => {
    const keys = [{ id: 'a', models: ['gpt', 'openai/gpt-4o-mini', 'anthropic/*', 'bedrock/x', '*'] }];
    expect(validateAiGatewaySpec({ ...minimal, models: [model('gpt')], auth: { ...keysAuth, keys } }).ok).toBe(true);
  });

  it('checks a dense fallback table in linear time (no walk over every path)', () => {
    // Each model falls back to the next four: as many paths as a tetranacci number, ~10^70 at 128 models.
    const models = Array.from({ length: 128 }, (_, i) =>
      model(`m${i}`, { fallback: [1, 2, 3, 4].filter((d) => i + d < 128).map((d) => `m${i + d}`) }),
    );
    const errors = errorsOf({ ...minimal, models });
    expect(errors[0]).toBe('spec.models[0].fallback: m0 falls back through 128 models, at most 8');
  });

  it('finds a cycle in any ring of fallbacks, and none in a chain', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.boolean(), (n, ring) => {
        const names = Array.from({ length: n }, (_, i) => `m${i}`);
        const models = names.map((name, i) =>
          model(name, { fallback: i + 1 < n ? [names[i + 1]] : ring ? [names[0]] : [] }),
        );
        const result = validateAiGatewaySpec({ ...minimal, models });
        expect(result.ok).toBe(!ring);
        if (!result.ok) expect(result.errors).toHaveLength(n);
      }),
    );
  });
});

const withProvider = (provider: Record<string, unknown>): unknown => ({ ...minimal, providers: [provider] });

describe('upstream base URLs', () => {
  it.each([
    'https://api.openai.com/v1',
    'https://api.anthropic.com',
    'https://bedrock-runtime.us-east-1.amazonaws.com',
    'https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com:8443/',
    'http://127.0.0.1:9000/v1',
    'http://localhost:8000/v1',
    'http://10.0.1.5:8000/v1',
    'http://172.31.0.5',
    'http://192.168.1.1/v1',
    'http://[::1]:8000',
    'http://[fd00::5]:8000',
  ])('accepts %s', (baseUrl) => {
    expect(validateAiGatewaySpec(withProvider({ ...openai, baseUrl }))).toMatchObject({ ok: true });
  });

  it.each<[string, RegExp]>([
    ['http://api.openai.com/v1', /plain http:\/\/ only to a loopback or private address \(api\.openai\.com\)/],
    ['http://8.8.8.8/v1', /plain http/],
    ['http://172.32.0.1', /plain http/],
    ['http://[2001:db8::1]/', /plain http/],
    ['http://localhost.evil.example/', /plain http/],
    ['http://127.0.0.1.nip.io/', /plain http/],
    ['https://user:pass@api.openai.com/v1', /must not hold credentials/],
    ['https://sk-123@api.openai.com/v1', /must not hold credentials/],
    ['https://api.openai.com/v1?api-version=1', /must not have a query/],
    ['https://api.openai.com/v1?', /must not have a query/],
    ['https://api.openai.com/v1#x', /must not have a fragment/],
    ['https://evil.example\\@api.openai.com', /backslash/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://169.254.169.254/', /link-local/],
    ['http://0xa9fea9fe/', /169\.254\.169\.254 is link-local/],
    ['http://[fd00:ec2::254]/latest/meta-data/', /metadata service or link-local/],
    ['https://[fe80::1]/', /metadata service or link-local/],
    ['http://2852039166/', /169\.254\.169\.254 is link-local/],
    ['https://[::1', /not a valid URL/],
    ['ftp://files.example/', /must match pattern/],
    ['javascript:alert(1)', /must match pattern/],
    ['file:///etc/passwd', /must match pattern/],
    ['https://api.openai.com/v1\r\nHost: evil', /must match pattern/],
    ['https://api.openai.com/v1\nx', /must match pattern/],
    ['https://api.openai.com /v1', /must match pattern/],
    ['https://api.openai.com/v1\u0000', /must match pattern/],
    ['https://äpi.example/', /must match pattern/],
    ['https://', /must match pattern/],
    [`https://x.example/${'a'.repeat(2048)}`, /must NOT have more than 2048/],
  ])('refuses %j', (baseUrl, message) => {
    const errors = errorsOf(withProvider({ ...openai, baseUrl }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.providers\[0\]\.baseUrl: /));
    expect(errors.join('\n')).toMatch(message);
    expectOneLineEach(errors);
  });
});

describe('upstream headers', () => {
  it('accepts ordinary headers', () => {
    const headers = {
      'OpenAI-Organization': 'org-1',
      'anthropic-beta': 'prompt-caching-2024-07-31',
      'X-Team': 'a b\tc',
    };
    expect(validateAiGatewaySpec(withProvider({ ...openai, headers }))).toMatchObject({ ok: true });
  });

  it.each([
    'Host',
    'host',
    'Authorization',
    'AUTHORIZATION',
    'Proxy-Authorization',
    'x-api-key',
    'X-Api-Key',
    'api-key',
    'Cookie',
    'Content-Length',
    'Content-Type',
    'Transfer-Encoding',
    'Connection',
    'Keep-Alive',
    'TE',
    'Upgrade',
    'Trailer',
    'Expect',
    'X-Request-Id',
    'Accept-Encoding',
  ])('refuses the header %s', (name) => {
    const errors = errorsOf(withProvider({ ...openai, headers: { [name]: 'v' } }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.providers\[0\]\.headers\.".+": not allowed \(/));
  });

  it.each(['X-Foo\r\nHost: evil', 'X-Foo\n', 'X Foo', 'X-Foo:', ':authority', '', 'Ünïcode', 'x'.repeat(65)])(
    'refuses the header name %j, on one line',
    (name) => {
      const errors = errorsOf(withProvider({ ...openai, headers: { [name]: 'v' } }));
      expect(errors).toContainEqual(expect.stringMatching(/^spec\.providers\[0\]\.headers/));
      expectOneLineEach(errors);
    },
  );

  it.each([
    ['a CRLF and a header', 'v\r\nAuthorization: Bearer stolen'],
    ['a line feed', 'v\nx'],
    ['a carriage return', 'v\rx'],
    ['a NUL', 'v\u0000'],
    ['a DEL', 'v\u007f'],
    ['a line separator', 'v\u2028x'],
    ['non-ASCII', 'vé'],
    ['1025 characters', 'v'.repeat(1025)],
  ])('refuses a value with %s, never quoting it', (_, value) => {
    const errors = errorsOf(withProvider({ ...openai, headers: { 'X-Team': value } }));
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.providers\[0\]\.headers\.X-Team: must/));
    for (const e of errors) expect(e).not.toContain(value);
    expectOneLineEach(errors);
  });

  it('refuses a name given twice in different cases', () => {
    const errors = errorsOf(withProvider({ ...openai, headers: { 'X-Team': 'a', 'x-team': 'b' } }));
    expect(errors).toEqual(['spec.providers[0].headers."x-team": given twice (header names are case-insensitive)']);
  });

  it('refuses seventeen headers', () => {
    const headers = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, 'v']));
    expect(errorsOf(withProvider({ ...openai, headers }))).toContainEqual(
      expect.stringMatching(/headers: must NOT have more than 16 properties/),
    );
  });
});

describe('header errors', () => {
  it('stay on one line when both the name and the value are bad', () => {
    expectOneLineEach(errorsOf(withProvider({ ...openai, headers: { 'X\nInjected: 1': 'a\r\nb' } })));
  });
});

describe('validateAiGatewaySpec: the semantic cache', () => {
  const base = aiGatewayKind.example.spec;
  const withSemantic = (semanticCache: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    validateAiGatewaySpec({ ...base, ...extra, semanticCache: { enabled: true, ...semanticCache } });

  it('takes an embeddings model of the table, or a local one', () => {
    expect(withSemantic({ embeddingModel: 'text-embedding-3-small' }).ok).toBe(true);
    expect(withSemantic({ embeddingModel: 'local/bge' }).ok).toBe(true);
  });

  it.each([
    [{}, {}, 'embeddingModel: required'],
    [{ embeddingModel: 'gpt-4o' }, {}, 'is a chat model'],
    [{ embeddingModel: 'nope' }, {}, 'is not a model of spec.models'],
    [{ embeddingModel: 'text-embedding-3-small', models: ['nope'] }, {}, 'is not a chat model'],
    [{ embeddingModel: 'text-embedding-3-small' }, { cache: { enabled: false } }, 'needs spec.cache.enabled'],
  ])('refuses %j %j (%s)', (semantic, extra, message) => {
    const r = withSemantic(semantic, extra);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('; ')).toContain(message);
  });
});

describe('validateAiGatewaySpec: keys for local models', () => {
  it('lets a key name local/* or one local model', () => {
    const keysAuth = { mode: 'keys', secretRef: { name: 'k' } };
    const spec = {
      ...aiGatewayKind.example.spec,
      auth: { ...keysAuth, keys: [{ id: 'a', models: ['local/*', 'local/llama-3.1-8b'] }] },
    };
    expect(validateAiGatewaySpec(spec).ok).toBe(true);
  });
});
