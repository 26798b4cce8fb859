import { localModelConflicts } from '../controllers/local-model-common/admission.js';
import { validateLocalModelSpec, type LocalModelSpec } from '../controllers/local-model-common/spec.js';
import { ResourceAdmission } from '../runtime/resource-admission.js';
// Fixtures of the AiGateway controller's tests: the data plane's /status document, and Secrets for the kind example.
import type { StoredResource } from '../runtime/controller.js';

/** The document the data plane serves on GET /status on its admin port. */
export const STATUS_DOCUMENT = {
  listening: { host: '0.0.0.0', port: 8090 },
  configHash: 'c0ffee',
  models: [{ name: 'gpt-4o', kind: 'chat', targets: [{ provider: 'openai', model: 'gpt-4o-2024-08-06' }] }],
  providers: [
    { name: 'openai', type: 'openai', healthy: true, lastSuccessAt: '2026-12-04T17:00:00.000Z' },
    {
      name: 'anthropic',
      type: 'anthropic',
      healthy: false,
      lastError: { message: 'upstream answered 429', code: 'rate_limit_exceeded', at: '2026-12-04T17:01:00.000Z' },
    },
  ],
  cache: { enabled: true, entries: 12, bytes: 40960, hits: 30, misses: 10, hitRatio: 0.75 },
  requests: { total: 40, perSecond: 1.5, inFlight: 2 },
  auth: { mode: 'keys', keys: 2 },
  semanticCache: { enabled: true, entries: 5, bytes: 8192 },
  localModels: [{ name: 'local/llama', policy: 'spill', fallback: 'gpt-4o', running: 1, queued: 0, oldestWaitMs: 0 }],
};

/** Distinctive values: finding any of them where it must not be can only mean a leak. */
export const AI_SECRETS = {
  openai: 'sk-proj-OPENAI-never-in-status-0001',
  anthropic: 'sk-ant-api03-ANTHROPIC-never-logged-0002',
  teamSearch: 'gk-TEAM-SEARCH-raw-key-0003',
  batch: 'gk-BATCH-raw-gateway-key-0004',
};

const resource = (name: string, spec: unknown, generation: number): StoredResource => ({
  name,
  generation,
  value: JSON.stringify(spec),
});

/** The Secrets the AiGateway kind example names, with AI_SECRETS (the anthropic key stored with a line end). */
export function exampleSecrets(
  providers: Record<string, string> = {},
  keys: Record<string, string> = {},
): StoredResource[] {
  return [
    resource(
      'ai-providers',
      { data: { openai: AI_SECRETS.openai, anthropic: `${AI_SECRETS.anthropic}\n`, ...providers } },
      4,
    ),
    resource(
      'ai-gateway-keys',
      { data: { 'team-search': AI_SECRETS.teamSearch, batch: AI_SECRETS.batch, ...keys } },
      6,
    ),
  ];
}

/** The AiGateway decoder's LocalModel admission, as the controller builds it. */
export function localModelAdmission(): ResourceAdmission<LocalModelSpec> {
  return new ResourceAdmission(validateLocalModelSpec, localModelConflicts);
}
