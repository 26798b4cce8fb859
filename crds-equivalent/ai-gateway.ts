import schema from '../schemas/ai-gateway.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const aiGatewayKind: KindDefinition = {
  kind: 'AiGateway',
  plural: 'aigateways',
  aliases: ['aigateway', 'aigw', 'ai'],
  scope: 'node',
  singletonName: 'default',
  schema,
  printerColumns: [
    { name: 'ENABLE', path: 'spec.enable' },
    { name: 'PORT', path: 'spec.listen.port' },
    { name: 'AUTH', path: 'spec.auth.mode' },
  ],
  example: {
    kind: 'AiGateway',
    name: 'default',
    spec: {
      enable: true,
      listen: { port: 8090 },
      clientCidrs: ['10.0.0.0/16'],
      providers: [
        { name: 'openai', type: 'openai', apiKeySecretRef: { name: 'ai-providers', key: 'openai' } },
        { name: 'anthropic', type: 'anthropic', apiKeySecretRef: { name: 'ai-providers', key: 'anthropic' } },
        { name: 'bedrock', type: 'bedrock', region: 'us-east-1' },
      ],
      models: [
        {
          name: 'gpt-4o',
          provider: 'openai',
          model: 'gpt-4o-2024-08-06',
          price: { input: 2.5, output: 10, cachedInput: 1.25 },
          fallback: ['claude-sonnet'],
        },
        {
          name: 'claude-sonnet',
          provider: 'anthropic',
          model: 'claude-3-5-sonnet-20241022',
          price: { input: 3, output: 15, cachedInput: 0.3 },
          fallback: ['bedrock-sonnet'],
        },
        {
          name: 'bedrock-sonnet',
          provider: 'bedrock',
          model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
          price: { input: 3, output: 15 },
        },
        {
          name: 'text-embedding-3-small',
          provider: 'openai',
          model: 'text-embedding-3-small',
          kind: 'embeddings',
          price: { input: 0.02 },
        },
      ],
      auth: {
        mode: 'keys',
        secretRef: { name: 'ai-gateway-keys' },
        keys: [
          { id: 'team-search', models: ['gpt-4o', 'text-embedding-3-small'], rpm: 600, tpm: 200000 },
          { id: 'batch', models: ['*'], concurrency: 4 },
        ],
      },
      cache: { enabled: true, scope: 'key', ttlSeconds: 86400, diskMb: 4096 },
      audit: { prompts: 'hash' },
    },
  },
};
