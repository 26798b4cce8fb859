import { describe, expect, it } from '@jest/globals';
import type { AiGatewayConfig, LocalModelConfig, ProviderConfig } from '../config.js';
import { LocalModels } from '../local/registry.js';
import type { Provider } from '../providers/provider.js';
import { mayUse } from './auth.js';
import { GatewayRuntime } from './runtime.js';

const price = { input: 1, output: 2, cachedInput: 0.5 };
const closed: string[] = [];
const factory = (p: ProviderConfig): Provider => ({
  name: p.name,
  type: p.type,
  chat: () => Promise.reject(new Error('unused')),
  embeddings: () => Promise.reject(new Error('unused')),
  close: () => void closed.push(p.name),
});

function config(): AiGatewayConfig {
  return {
    version: 1,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    clientCidrs: [],
    auth: { mode: 'none' },
    providers: [
      { name: 'oa', type: 'openai', maxSockets: 1 },
      { name: 'an', type: 'anthropic', maxSockets: 1 },
    ],
    models: [
      {
        name: 'chat',
        kind: 'chat',
        targets: [
          { provider: 'oa', model: 'gpt-x', price },
          { provider: 'an', model: 'claude-x', price },
        ],
      },
    ],
    localModels: [],
    cache: { enabled: false, scope: 'key', ttlSeconds: 1, memoryBytes: 0, diskBytes: 0, dir: '/nonexistent' },
    semanticCache: {
      enabled: false,
      embeddingModel: '',
      threshold: 0.95,
      ttlSeconds: 60,
      maxEntries: 1000,
      dir: '/nonexistent',
      embedTimeoutMs: 1000,
    },
    metering: { stateFile: '/nonexistent/m.json', retentionDays: 1 },
    audit: { enabled: false, file: '/nonexistent/a.log', prompts: 'none', maxBytes: 1, maxAgeSeconds: 1, maxFiles: 1 },
    limits: {
      maxBodyBytes: 1,
      connectTimeoutMs: 1,
      firstTokenTimeoutMs: 1,
      totalTimeoutMs: 1,
      retries: 0,
      backoffMs: 0,
    },
  };
}

describe('GatewayRuntime.route', () => {
  const runtime = new GatewayRuntime(config(), 'h', factory);

  it('resolves a table model to its targets in order', () => {
    const route = runtime.route('chat');
    expect('targets' in route && route.targets.map((t) => `${t.provider}:${t.model}`)).toEqual([
      'oa:gpt-x',
      'an:claude-x',
    ]);
  });

  it('routes a prefix to the first provider of its type, priced 0', () => {
    const route = runtime.route('anthropic/claude-new');
    expect(route).toMatchObject({
      kind: 'any',
      targets: [{ provider: 'an', model: 'claude-new', price: { input: 0 } }],
    });
  });

  it.each([['local/llama'], ['bedrock/titan'], ['openai/'], ['gpt-4o']])('refuses %s with model_not_found', (name) => {
    expect(runtime.route(name)).toMatchObject({ status: 404, code: 'model_not_found' });
  });
});

describe('GatewayRuntime local routes', () => {
  const local: LocalModelConfig = {
    name: 'local/llama',
    servedName: 'llama',
    baseUrl: 'http://127.0.0.1:8000/v1',
    metricsUrl: 'http://127.0.0.1:8000/metrics',
    kind: 'chat',
    overflow: { policy: 'reject', maxConcurrency: 2, queue: { maxSize: 0, maxWaitMs: 0 }, firstTokenTimeoutMs: 1 },
  };
  const remote = { name: 'local/llama', kind: 'chat' as const, targets: [{ provider: 'oa', model: 'gpt-x', price }] };

  it('routes local/<name> to its server, free, and lists it', () => {
    const runtime = new GatewayRuntime({ ...config(), localModels: [local] }, 'h', factory, new LocalModels());
    const route = runtime.route('local/llama');
    expect(route).toMatchObject({
      kind: 'chat',
      targets: [{ provider: 'local/llama', model: 'llama', price: { input: 0 } }],
    });
    expect('local' in route && route.local?.fallback).toEqual([]);
    expect(runtime.listModels().map((m) => m.name)).toContain('local/llama');
    runtime.retire();
  });

  it('never sends local/<name> to a model-table entry of the same name', () => {
    const withLocal = new GatewayRuntime(
      { ...config(), models: [remote], localModels: [local] },
      'h',
      factory,
      new LocalModels(),
    );
    expect(withLocal.route('local/llama')).toMatchObject({ local: { target: { provider: 'local/llama' } } });
    const without = new GatewayRuntime({ ...config(), models: [remote] }, 'h', factory, new LocalModels());
    expect(without.route('local/llama')).toMatchObject({ status: 404, code: 'model_not_found' });
    withLocal.retire();
    without.retire();
  });
});

describe('GatewayRuntime lifetime', () => {
  it('closes a retired revision only when its last request ends', () => {
    closed.length = 0;
    const runtime = new GatewayRuntime(config(), 'h', factory);
    const release = runtime.enter();
    runtime.retire();
    expect(closed).toEqual([]);
    release();
    release();
    expect(closed).toEqual(['oa', 'an']);
  });
});

describe('mayUse', () => {
  const caller = (models: string[]) => ({ keyId: 'k', key: { id: 'k', sha256: 'x', models } });
  it.each([
    [['*'], 'anything', true],
    [['chat'], 'chat', true],
    [['chat'], 'chat2', false],
    [['openai/*'], 'openai/gpt-4o', true],
    [['openai/*'], 'anthropic/claude', false],
  ])('%j may use %s: %s', (models, model, allowed) => {
    expect(mayUse(caller(models), model)).toBe(allowed);
  });
});
