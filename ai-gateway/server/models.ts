import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';
import type { GatewayRuntime } from './runtime.js';

/** GET /v1/models: the model table as OpenAI lists models (prefix routes are open-ended, so not listed). */
export function listModels(res: ServerResponse, runtime: GatewayRuntime): void {
  const data = runtime.listModels().map((m) => ({
    id: m.name,
    object: 'model',
    created: 0,
    owned_by: m.targets[0]?.provider ?? 'csgw',
  }));
  sendJson(res, 200, { object: 'list', data });
}
