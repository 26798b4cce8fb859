import { describe, expect, it } from '@jest/globals';
import { fakeGatewayConfig } from '../testing/fake-llm-upstreams.js';
import { checkConfig } from './config-schema.js';

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
