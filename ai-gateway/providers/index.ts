import type { ProviderConfig } from '../config.js';
import { AnthropicProvider } from './anthropic/provider.js';
import { BedrockProvider } from './bedrock/provider.js';
import { OpenAiProvider } from './openai/provider.js';
import type { Provider } from './provider.js';

/** One provider instance per configured provider, by type. */
export function createProvider(config: ProviderConfig, limits: { connectTimeoutMs: number }): Provider {
  switch (config.type) {
    case 'openai':
      return new OpenAiProvider(config, limits);
    case 'anthropic':
      return new AnthropicProvider(config, limits);
    case 'bedrock':
      return new BedrockProvider(config, {
        connectTimeoutMs: limits.connectTimeoutMs,
        ...(config.externalId ? { externalId: config.externalId } : {}),
      });
  }
}
