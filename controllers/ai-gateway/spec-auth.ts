import { PREFIX_ROUTES, RESERVED_PREFIX } from '../../ai-gateway/config.js';
import type { AiGatewaySpec, AuthSpec, GatewayKeySpec } from './spec.js';

/**
 * keys: ids and Secret keys unique, and each allowed model a table model, a prefix route or a pattern. none: the
 * clients must be spelled out (anyone in the VPC could otherwise spend on the providers' bills). passthrough: only
 * OpenAI-type providers take the client's own key, so there must be one.
 */
export function checkAuth(auth: AuthSpec, spec: AiGatewaySpec): string[] {
  if (auth.mode !== 'keys') {
    const errors = [
      ...(auth.secretRef ? [`spec.auth.secretRef: only with mode keys`] : []),
      ...(auth.keys ? [`spec.auth.keys: only with mode keys`] : []),
    ];
    if (auth.mode === 'none' && !spec.clientCidrs)
      errors.push('spec.clientCidrs: required with spec.auth.mode none (who may call without a key)');
    if (auth.mode === 'passthrough' && !(spec.providers ?? []).some((p) => p.type === 'openai'))
      errors.push('spec.auth.mode: passthrough forwards the client key to OpenAI-type providers, and there is none');
    return errors;
  }
  const models = new Set(spec.models.map((m) => m.name));
  return auth.keys.flatMap((k, i) => checkKey(`spec.auth.keys[${i}]`, k, auth.keys.slice(0, i), models));
}

/** The Secret key a gateway key's value is under. */
export function secretKeyOf(key: GatewayKeySpec): string {
  return key.secretKey ?? key.id;
}

function checkKey(
  field: string,
  key: GatewayKeySpec,
  before: readonly GatewayKeySpec[],
  models: ReadonlySet<string>,
): string[] {
  const errors: string[] = [];
  if (before.some((k) => k.id === key.id)) errors.push(`${field}.id: ${key.id} is listed twice`);
  const secretKey = secretKeyOf(key);
  const sharing = before.find((k) => secretKeyOf(k) === secretKey);
  if (sharing) errors.push(`${field}.secretKey: ${secretKey} is also the Secret key of ${sharing.id}`);
  key.models.forEach((name, j) => {
    const at = `${field}.models[${j}]`;
    // Local models are LocalModel resources of their own: a key may name one (or all, `local/*`) before it exists.
    if (name.startsWith(RESERVED_PREFIX)) {
      if (!LOCAL_NAME.test(name)) errors.push(`${at}: ${name} is not local/* nor local/<served name>`);
    } else if (!isPattern(name) && !models.has(name) && !hasPrefixRoute(name))
      errors.push(`${at}: ${name} is not in spec.models and has no provider prefix (${routes()})`);
  });
  return errors;
}

const LOCAL_NAME = /^local\/(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;

function isPattern(name: string): boolean {
  return name === '*' || name.endsWith('/*');
}

function hasPrefixRoute(name: string): boolean {
  return Object.keys(PREFIX_ROUTES).some((prefix) => name.startsWith(prefix) && name.length > prefix.length);
}

function routes(): string {
  return Object.keys(PREFIX_ROUTES).join(', ');
}
