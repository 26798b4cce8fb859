import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { AiGatewayConfig } from '../../ai-gateway/config.js';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import { AI_SECRETS, exampleSecrets, localModelAdmission } from '../../testing/ai-gateway-fixtures.js';
import type { KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { decodeAiGateway, type AiGatewayDecodeFacts } from './decode.js';
import { aiGatewayPaths } from './paths.js';
import type { AiGatewayDesired } from './types.js';

const facts: AiGatewayDecodeFacts = {
  paths: aiGatewayPaths('/var/lib/csgw'),
  vpcCidrs: ['10.0.0.0/16'],
  localModels: localModelAdmission(),
};

const SECRETS = AI_SECRETS;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const resource = (name: string, spec: unknown, generation = 1): StoredResource => ({
  name,
  generation,
  value: JSON.stringify(spec),
});
const providerSecret = (data: Record<string, string> = {}): StoredResource => exampleSecrets(data)[0]!;
const keySecret = (data: Record<string, string> = {}): StoredResource => exampleSecrets({}, data)[1]!;

const example = aiGatewayKind.example.spec;

function snapshot(spec: unknown, secrets: StoredResource[] = [providerSecret(), keySecret()]): KindSnapshot {
  return {
    kind: 'AiGateway',
    resources: spec === undefined ? [] : [resource('default', spec, 9)],
    related: { Secret: secrets },
  };
}

function desired(s: KindSnapshot, f = facts): AiGatewayDesired {
  const d = decodeAiGateway(s, f);
  if (!d.ok) throw new Error(d.errors.join('; '));
  return d.desired.spec;
}

function configOf(d: AiGatewayDesired): { text: string; config: AiGatewayConfig; mode: number } {
  const file = d.revision?.files.find((f) => f.name === 'ai-gateway.json');
  if (!file) throw new Error('no config file');
  return { text: file.content, config: JSON.parse(file.content) as AiGatewayConfig, mode: file.mode };
}

describe('decodeAiGateway', () => {
  it('renders the data plane config from the spec and its Secrets', () => {
    const { config, mode } = configOf(desired(snapshot(example)));
    expect(mode).toBe(0o600);
    expect(config).toMatchObject({
      version: 1,
      listen: { host: '0.0.0.0', port: 8090 },
      admin: { host: '127.0.0.1', port: 8091 },
      clientCidrs: ['10.0.0.0/16'],
      cache: { enabled: true, scope: 'key', ttlSeconds: 86400, memoryBytes: 256 * 2 ** 20, diskBytes: 4096 * 2 ** 20 },
      metering: { stateFile: '/var/lib/csgw/ai-gateway/state/metering.json', retentionDays: 90 },
      audit: { file: '/var/lib/csgw/ai-gateway/audit/audit.log', prompts: 'hash', maxBytes: 100 * 2 ** 20 },
      limits: { maxBodyBytes: 10240 * 1024, retries: 2 },
    });
    expect(config.cache.dir).toBe('/var/lib/csgw/ai-gateway/cache');
    expect(config.providers).toEqual([
      { name: 'openai', type: 'openai', apiKey: SECRETS.openai, maxSockets: 64 },
      // Trimmed: a key stored with its line end still works.
      { name: 'anthropic', type: 'anthropic', apiKey: SECRETS.anthropic, maxSockets: 64 },
      { name: 'bedrock', type: 'bedrock', region: 'us-east-1', maxSockets: 64 },
    ]);
  });

  it('hands the data plane only hashes of gateway keys: no raw key anywhere in the file', () => {
    const { text, config } = configOf(desired(snapshot(example)));
    expect(config.auth).toEqual({
      mode: 'keys',
      keys: [
        {
          id: 'team-search',
          sha256: sha256(SECRETS.teamSearch),
          models: ['gpt-4o', 'text-embedding-3-small'],
          rpm: 600,
          tpm: 200000,
        },
        { id: 'batch', sha256: sha256(SECRETS.batch), models: ['*'], concurrency: 4 },
      ],
    });
    for (const key of [SECRETS.teamSearch, SECRETS.batch]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3, 20));
    }
  });

  it('resolves each model to its own target then its fallback chain, with prices', () => {
    const { config } = configOf(desired(snapshot(example)));
    const sonnet = {
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      price: { input: 3, output: 15, cachedInput: 0.3 },
    };
    // cachedInput defaults to the input price.
    const bedrock = {
      provider: 'bedrock',
      model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
      price: { input: 3, output: 15, cachedInput: 3 },
    };
    expect(config.models).toEqual([
      {
        name: 'gpt-4o',
        kind: 'chat',
        targets: [
          { provider: 'openai', model: 'gpt-4o-2024-08-06', price: { input: 2.5, output: 10, cachedInput: 1.25 } },
          sonnet,
          bedrock,
        ],
      },
      { name: 'claude-sonnet', kind: 'chat', targets: [sonnet, bedrock] },
      { name: 'bedrock-sonnet', kind: 'chat', targets: [bedrock] },
      {
        name: 'text-embedding-3-small',
        kind: 'embeddings',
        targets: [
          { provider: 'openai', model: 'text-embedding-3-small', price: { input: 0.02, output: 0, cachedInput: 0.02 } },
        ],
      },
    ]);
  });

  it('describes the revision: listen address, readiness on the admin port, pre-flight of both ports', () => {
    const spec = { ...example, listen: { address: '10.0.0.5', port: 9090 }, adminPort: 9091 };
    expect(desired(snapshot(spec)).revision).toMatchObject({
      listen: '10.0.0.5:9090',
      adminPort: 9091,
      restartKey: expect.stringMatching(/^listen 10.0.0.5:9090 admin 127.0.0.1:9091 stores /),
      ready: { http: { url: 'http://127.0.0.1:9091/healthz' } },
      listens: [
        { host: '10.0.0.5', port: 9090 },
        { host: '127.0.0.1', port: 9091 },
      ],
      preflight: [
        { localAddress: '10.0.0.5' },
        { portAvailable: { host: '10.0.0.5', port: 9090 } },
        { portAvailable: { host: '127.0.0.1', port: 9091 } },
      ],
    });
  });

  it('renders a Bedrock role with its external id from a Secret, and rejects one that is not an external id', () => {
    const role = 'arn:aws:iam::123456789012:role/csgw-cross-account-role7';
    const providers = (example.providers as Record<string, unknown>[]).map((p) =>
      p.type === 'bedrock' ? { ...p, roleArn: role, externalIdSecretRef: { name: 'bedrock-role' } } : p,
    );
    const spec = { ...example, providers };
    const idSecret = (externalId: string): StoredResource => resource('bedrock-role', { data: { externalId } });
    const { config } = configOf(desired(snapshot(spec, [providerSecret(), keySecret(), idSecret('ext-id-0123:abc')])));
    expect(config.providers.find((p) => p.type === 'bedrock')).toMatchObject({
      roleArn: role,
      externalId: 'ext-id-0123:abc',
    });
    const bad = decodeAiGateway(snapshot(spec, [providerSecret(), keySecret(), idSecret('two words')]), facts);
    expect(bad).toMatchObject({
      ok: false,
      errors: [
        expect.stringContaining(
          'spec.providers[2].externalIdSecretRef: Secret bedrock-role key externalId: not an external id',
        ),
      ],
    });
    expect(JSON.stringify(bad)).not.toContain('two words');
  });

  it('changes the restart key with the sockets or the stores; models, keys and the cache scope reload', () => {
    const base = desired(snapshot(example)).revision!;
    const scope = desired(
      snapshot({ ...example, cache: { ...(example.cache as object), scope: 'gateway' } }),
    ).revision!;
    const rotated = desired(snapshot(example, [providerSecret({ openai: 'sk-proj-rotated' }), keySecret()])).revision!;
    for (const r of [scope, rotated]) {
      expect(r.hash).not.toBe(base.hash);
      expect(r.restartKey).toBe(base.restartKey);
    }
    expect(desired(snapshot({ ...example, listen: { port: 8092 } })).revision?.restartKey).not.toBe(base.restartKey);
    expect(desired(snapshot({ ...example, adminPort: 9000 })).revision?.restartKey).not.toBe(base.restartKey);
    expect(desired(snapshot({ ...example, cache: { ttlSeconds: 60 } })).revision?.restartKey).not.toBe(base.restartKey);
  });

  it('gives the same hash for the same inputs, unmoved by a Secret key it does not read', () => {
    const base = desired(snapshot(example)).revision?.hash;
    expect(desired(snapshot(example)).revision?.hash).toBe(base);
    const unread = [providerSecret({ unused: 'x' }), keySecret()];
    expect(desired(snapshot(example, unread)).revision?.hash).toBe(base);
  });

  it('reports the Secrets it read by name, generation and key, never a value', () => {
    const d = desired(snapshot(example));
    expect(d.sources).toEqual({
      secrets: [
        { name: 'ai-gateway-keys', generation: 6, keys: ['team-search', 'batch'] },
        { name: 'ai-providers', generation: 4, keys: ['openai', 'anthropic'] },
      ],
    });
  });

  it.each<[string, StoredResource[], string[]]>([
    [
      'no provider Secret',
      [keySecret()],
      [
        'spec.providers[0].apiKeySecretRef: Secret ai-providers does not exist',
        'spec.providers[1].apiKeySecretRef: Secret ai-providers does not exist',
      ],
    ],
    [
      'no gateway-key Secret',
      [providerSecret()],
      [
        'spec.auth.keys[0]: Secret ai-gateway-keys does not exist',
        'spec.auth.keys[1]: Secret ai-gateway-keys does not exist',
      ],
    ],
    [
      'a missing key',
      [resource('ai-providers', { data: { openai: SECRETS.openai } }, 4), keySecret()],
      ['spec.providers[1].apiKeySecretRef: Secret ai-providers has no key anthropic'],
    ],
    [
      'an API key with a line break inside',
      [providerSecret({ openai: `${SECRETS.openai}\r\nX-Injected: 1` }), keySecret()],
      [
        'spec.providers[0].apiKeySecretRef: Secret ai-providers key openai: the API key holds a space, control or non-ASCII character',
      ],
    ],
    [
      'an empty API key',
      [providerSecret({ openai: ' \n' }), keySecret()],
      ['spec.providers[0].apiKeySecretRef: Secret ai-providers key openai: the API key is empty'],
    ],
    [
      'a short gateway key',
      [providerSecret(), keySecret({ batch: 'short-key' })],
      ['spec.auth.keys[1]: Secret ai-gateway-keys key batch: the gateway key is shorter than 16 characters'],
    ],
    [
      'a gateway key with a space',
      [providerSecret(), keySecret({ batch: `${SECRETS.batch} x` })],
      [
        'spec.auth.keys[1]: Secret ai-gateway-keys key batch: the gateway key holds a space, control or non-ASCII character',
      ],
    ],
    [
      'two ids with one key',
      [providerSecret(), keySecret({ batch: SECRETS.teamSearch })],
      ['spec.auth.keys[1]: the same key value as team-search'],
    ],
  ])('rejects the generation with %s, naming Secret and key only', (_, secrets, errors) => {
    const d = decodeAiGateway(snapshot(example, secrets), facts);
    expect(d).toEqual({ ok: false, name: 'default', generation: 9, errors });
    const text = JSON.stringify(d);
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(text).not.toContain('short-key');
  });

  it('defaults the clients to the VPC CIDRs, and needs them spelled out when none is known', () => {
    const d = decodeAiGateway(snapshot(example), { ...facts, vpcCidrs: [] });
    expect(d).toMatchObject({ ok: true });
    const { clientCidrs: _, ...noCidrs } = example;
    const bare = decodeAiGateway(snapshot(noCidrs), { ...facts, vpcCidrs: [] });
    expect(!bare.ok && bare.errors).toEqual([
      'spec.clientCidrs: required, as the operator knows no VPC CIDR (--vpc-cidr / CSGW_VPC_CIDRS)',
    ]);
    expect(configOf(desired(snapshot(noCidrs))).config.clientCidrs).toEqual(['10.0.0.0/16']);
  });

  it('renders passthrough and none without keys or a key Secret', () => {
    const spec = { ...example, auth: { mode: 'passthrough' } };
    expect(configOf(desired(snapshot(spec, [providerSecret()]))).config.auth).toEqual({ mode: 'passthrough' });
    const none = { ...example, auth: { mode: 'none' } };
    expect(configOf(desired(snapshot(none, [providerSecret()]))).config.auth).toEqual({ mode: 'none' });
  });

  it('rejects an invalid spec with its generation', () => {
    expect(decodeAiGateway(snapshot({ ...example, adminPort: 8090 }), facts)).toMatchObject({
      ok: false,
      generation: 9,
      errors: ['spec.adminPort: 8090 is also spec.listen.port'],
    });
  });

  it('wants nothing running when disabled or absent, whatever the Secrets', () => {
    for (const s of [snapshot({ enable: false }, []), snapshot(undefined, [])])
      expect(desired(s)).toEqual({ enabled: false, sources: { secrets: [] }, localProblems: [] });
  });
});

describe('decodeAiGateway: local models', () => {
  const withLocal = (spec: unknown, locals: [string, unknown][]): KindSnapshot => ({
    ...snapshot(spec),
    related: {
      Secret: [providerSecret(), keySecret()],
      LocalModel: locals.map(([name, s], i) => resource(name, s, i + 1)),
    },
  });

  it('routes each LocalModel to vLLM on loopback with its policy and its fallback resolved from the table', () => {
    const d = desired(
      withLocal(example, [
        ['llama', { weights: { path: '/m' }, port: 8001, overflow: { policy: 'spill', fallback: 'gpt-4o' } }],
        ['bge', { weights: { path: '/b' }, port: 8002, task: 'embed', overflow: { fallback: 'nope' } }],
      ]),
      { ...facts, localModels: localModelAdmission() },
    );
    const { config } = configOf(d);
    // Claim order: by write time, then name.
    expect(config.localModels).toMatchObject([
      { name: 'local/bge', kind: 'embeddings', overflow: { policy: 'queue' } },
      {
        name: 'local/llama',
        baseUrl: 'http://127.0.0.1:8001/v1',
        kind: 'chat',
        overflow: { policy: 'spill', fallback: { model: 'gpt-4o' }, maxConcurrency: 256 },
      },
    ]);
    expect(config.localModels[0]!.overflow.fallback).toBeUndefined();
    expect(d.localProblems).toMatchObject([{ resource: 'bge', reason: 'FallbackUnusable' }]);
  });

  it('warns when the semantic cache embeds with a local model that does not serve embeddings', () => {
    const spec = { ...example, semanticCache: { enabled: true, embeddingModel: 'local/llama' } };
    const d = desired(withLocal(spec, [['llama', { weights: { path: '/m' } }]]), {
      ...facts,
      localModels: localModelAdmission(),
    });
    expect(d.localProblems).toMatchObject([{ resource: 'llama', reason: 'EmbedderUnusable' }]);
  });
});
