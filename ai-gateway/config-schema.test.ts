import { describe, expect, it } from '@jest/globals';
import { fakeGatewayConfig } from '../testing/fake-llm-upstreams.js';
import { checkConfig } from './config-schema.js';
import { restartKey } from './config.js';

const urls = { openai: 'http://127.0.0.1:1/v1', anthropic: 'http://127.0.0.1:2', bedrock: 'http://127.0.0.1:3' };

describe('checkConfig', () => {
  it('loads a file an older version rendered (no local models, no semantic cache): a roll back brings one back', () => {
    const { localModels: _l, semanticCache: _s, ...older } = fakeGatewayConfig('/var/lib/csgw/ai-gateway', urls);
    const checked = checkConfig(older);
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.config.localModels).toEqual([]);
      expect(checked.config.semanticCache.enabled).toBe(false);
    }
  });

  it('refuses a local model that is not on loopback', () => {
    const config = fakeGatewayConfig('/d', urls);
    const local = {
      name: 'local/x',
      servedName: 'x',
      baseUrl: 'http://10.0.0.5:8000/v1',
      metricsUrl: 'http://127.0.0.1:8000/metrics',
      kind: 'chat',
      overflow: { policy: 'reject', maxConcurrency: 1, queue: { maxSize: 0, maxWaitMs: 0 }, firstTokenTimeoutMs: 1 },
    };
    expect(checkConfig({ ...config, localModels: [local] }).ok).toBe(false);
  });
});

describe('restartKey and the semantic cache', () => {
  const semantic = (c: ReturnType<typeof fakeGatewayConfig>) => ({
    ...c,
    semanticCache: { ...c.semanticCache, enabled: true, embeddingModel: 'openai-embed' },
  });

  it('changes when the embedding route points at another model: the stored vectors mean nothing to it', () => {
    const before = semantic(fakeGatewayConfig('/d', urls));
    const repointed = {
      ...before,
      models: before.models.map((m) =>
        m.name === 'openai-embed' ? { ...m, targets: [{ ...m.targets[0]!, model: 'text-embedding-3-large' }] } : m,
      ),
    };
    expect(restartKey(repointed)).not.toBe(restartKey(before));
    expect(restartKey({ ...before, semanticCache: { ...before.semanticCache, threshold: 0.9 } })).toBe(
      restartKey(before),
    );
  });
});
