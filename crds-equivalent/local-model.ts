import schema from '../schemas/local-model.schema.json' with { type: 'json' };
import type { KindDefinition } from './types.js';

export const localModelKind: KindDefinition = {
  kind: 'LocalModel',
  plural: 'localmodels',
  aliases: ['localmodel', 'lm', 'vllm'],
  scope: 'node',
  schema,
  printerColumns: [
    { name: 'SERVED', path: 'spec.servedName' },
    { name: 'PORT', path: 'spec.port' },
    { name: 'POLICY', path: 'spec.overflow.policy' },
    { name: 'FALLBACK', path: 'spec.overflow.fallback' },
  ],
  example: {
    kind: 'LocalModel',
    name: 'llama-3.1-8b-instruct',
    spec: {
      weights: { s3Uri: 's3://my-models/llama-3.1-8b-instruct/' },
      port: 8000,
      maxModelLen: 16384,
      gpuMemoryUtilization: 0.9,
      extraArgs: { 'enable-prefix-caching': true },
      overflow: { policy: 'spill', fallback: 'claude-sonnet', queue: { maxSize: 50, maxWaitSeconds: 20 } },
    },
  },
};
