import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayKeyConfig } from '../config.js';
import type { ClientError } from './respond.js';
import type { GatewayRuntime } from './runtime.js';

/** Who is calling: a gateway key, a passthrough caller (its own Authorization goes upstream), or anyone. */
export type Caller =
  { keyId: string; key: GatewayKeyConfig } | { keyId: 'passthrough'; authorization: string } | { keyId: 'anonymous' };

/** RFC 7235: the scheme is case-insensitive. The key's length is bounded as the AiGateway spec bounds it. */
const BEARER = /^bearer ([\x21-\x7e]{1,512})$/i;

export function authenticate(headers: IncomingHttpHeaders, runtime: GatewayRuntime): Caller | ClientError {
  const auth = runtime.config.auth;
  if (auth.mode === 'none') return { keyId: 'anonymous' };
  const header = headers.authorization;
  const bearer = header ? BEARER.exec(header)?.[1] : undefined;
  if (!bearer)
    return unauthorized('You didn\'t provide an API key. Send "Authorization: Bearer <key>".', 'missing_api_key');
  if (auth.mode === 'passthrough') return { keyId: 'passthrough', authorization: `Bearer ${bearer}` };
  const key = runtime.keyByHash(createHash('sha256').update(bearer).digest('hex'));
  return key ? { keyId: key.id, key } : unauthorized('Incorrect API key provided.', 'invalid_api_key');
}

/** Whether a key may use the model as the client named it: `*`, the exact name, or a `prefix/*` pattern. */
export function mayUse(caller: Caller, model: string): boolean {
  if (!('key' in caller)) return true;
  return caller.key.models.some(
    (m) => m === '*' || m === model || (m.endsWith('/*') && model.startsWith(m.slice(0, -1))),
  );
}

function unauthorized(message: string, code: string): ClientError {
  return { status: 401, type: 'invalid_request_error', code, message };
}
