import { createHash } from 'node:crypto';
import type { GatewayKeyConfig } from '../../ai-gateway/config.js';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import { secretKind } from '../../crds-equivalent/secret.js';
import type { DecodeResult, KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { resolveSecret, type ResolvedSecret } from '../../runtime/secrets/secret.js';
import type { AiGatewayPaths } from './paths.js';
import { localModelKind } from '../../crds-equivalent/local-model.js';
import type { ResourceAdmission } from '../../runtime/resource-admission.js';
import type { LocalModelSpec } from '../local-model-common/spec.js';
import { localRoutingFor } from './local-models.js';
import { aiGatewayRevision, renderAiGatewayConfig } from './render.js';
import { secretKeyOf } from './spec-auth.js';
import { validateAiGatewaySpec, type AiGatewaySpec } from './spec.js';
import type { AiGatewayDesired, SecretSource } from './types.js';

export interface AiGatewayDecodeFacts {
  paths: AiGatewayPaths;
  vpcCidrs: readonly string[];
  /** Admits LocalModel resources exactly as the LocalModel controller does (it remembers each one's last good spec). */
  localModels: ResourceAdmission<LocalModelSpec>;
}

const DISABLED: AiGatewayDesired = { enabled: false, sources: { secrets: [] }, localProblems: [] };

/**
 * The desired gateway: the singleton spec plus the Secrets it names (provider API keys, gateway keys), rendered into
 * a revision. A missing or unusable Secret rejects the generation like an invalid spec, so the last good config
 * keeps serving. Errors name the Secret and key, never a value.
 */
export function decodeAiGateway(snapshot: KindSnapshot, facts: AiGatewayDecodeFacts): DecodeResult<AiGatewayDesired> {
  const decoded = decodeSingleton<AiGatewaySpec | undefined>(aiGatewayKind, snapshot, validateAiGatewaySpec, undefined);
  if (!decoded.ok) return decoded;
  const { desired, ignored } = decoded;
  const spec = desired.spec;
  const base = { name: desired.name, generation: desired.generation };
  if (!spec?.enable) return { ok: true, ignored, desired: { ...base, spec: DISABLED } };
  const secrets = new SecretReader(snapshot.related?.[secretKind.kind] ?? []);
  const apiKeys = resolveProviderSecrets(spec, secrets, 'apiKeySecretRef', apiKeyProblem);
  const externalIds = resolveProviderSecrets(spec, secrets, 'externalIdSecretRef', externalIdProblem);
  const gatewayKeys = resolveGatewayKeys(spec, secrets);
  const clientCidrs = spec.clientCidrs ?? facts.vpcCidrs;
  const errors = [...secrets.errors];
  if (clientCidrs.length === 0)
    errors.push('spec.clientCidrs: required, as the operator knows no VPC CIDR (--vpc-cidr / CSGW_VPC_CIDRS)');
  if (errors.length > 0)
    return { ok: false, name: desired.name ?? 'default', generation: desired.generation ?? 0, errors };
  const local = localRoutingFor(spec, snapshot.related?.[localModelKind.kind] ?? [], facts.localModels);
  const inputs = { clientCidrs, apiKeys, externalIds, gatewayKeys, localModels: local.configs };
  const revision = aiGatewayRevision(renderAiGatewayConfig(spec, inputs, facts.paths));
  const sources = { secrets: secrets.sources() };
  return {
    ok: true,
    ignored,
    desired: { ...base, spec: { enabled: true, revision, sources, localProblems: local.problems } },
  };
}

/** Reads Secret values, collecting errors and where each value came from. */
class SecretReader {
  readonly errors: string[] = [];
  private readonly used = new Map<string, SecretSource>();

  constructor(private readonly secrets: readonly StoredResource[]) {}

  /** The value, trimmed (a key pasted with its line end still works), or undefined after recording why not. */
  read(field: string, name: string, key: string, check: (value: string) => string | undefined): string | undefined {
    const found = resolveSecret(this.secrets, { name, key });
    if (!found.ok) {
      this.errors.push(`${field}: ${found.error}`);
      return undefined;
    }
    this.remember(found.secret, key);
    const value = found.secret.value.trim();
    const problem = check(value);
    if (problem) this.errors.push(`${field}: Secret ${name} key ${key}: ${problem}`);
    return problem ? undefined : value;
  }

  sources(): SecretSource[] {
    return [...this.used.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private remember(secret: ResolvedSecret, key: string): void {
    const source = this.used.get(secret.name) ?? { name: secret.name, generation: secret.generation, keys: [] };
    if (!source.keys.includes(key)) source.keys.push(key);
    this.used.set(secret.name, source);
  }
}

/** Sent as an HTTP header value: one token of visible ASCII, or it could split the upstream request. */
function apiKeyProblem(value: string): string | undefined {
  if (value === '') return 'the API key is empty';
  if (!/^[\x21-\x7e]{1,4096}$/.test(value)) return 'the API key holds a space, control or non-ASCII character';
  return undefined;
}

/** AWS's external id characters (sts:ExternalId): it reaches the AssumeRole call as is. */
function externalIdProblem(value: string): string | undefined {
  return /^[\w+=,.@:/-]{2,1224}$/.test(value) ? undefined : 'not an external id (2-1224 of A-Z a-z 0-9 +=,.@:/-_)';
}

/** Each provider's value of one Secret reference, by provider name. */
function resolveProviderSecrets(
  spec: AiGatewaySpec,
  secrets: SecretReader,
  field: 'apiKeySecretRef' | 'externalIdSecretRef',
  problem: (value: string) => string | undefined,
): Map<string, string> {
  const values = new Map<string, string>();
  (spec.providers ?? []).forEach((p, i) => {
    const ref = p[field];
    if (!ref) return;
    const value = secrets.read(`spec.providers[${i}].${field}`, ref.name, ref.key, problem);
    if (value !== undefined) values.set(p.name, value);
  });
  return values;
}

/** Clients send it as a bearer token; short keys could be guessed. */
function gatewayKeyProblem(value: string): string | undefined {
  if (!/^[\x21-\x7e]*$/.test(value)) return 'the gateway key holds a space, control or non-ASCII character';
  if (value.length < 16) return 'the gateway key is shorter than 16 characters';
  // The data plane reads at most 512 characters of a bearer token.
  if (value.length > 512) return 'the gateway key is longer than 512 characters';
  return undefined;
}

/** Gateway keys as the data plane gets them: hashed. Two ids with one value would make the id ambiguous. */
function resolveGatewayKeys(spec: AiGatewaySpec, secrets: SecretReader): GatewayKeyConfig[] {
  const auth = spec.auth;
  if (auth?.mode !== 'keys') return [];
  const result: GatewayKeyConfig[] = [];
  auth.keys.forEach((k, i) => {
    const field = `spec.auth.keys[${i}]`;
    const value = secrets.read(field, auth.secretRef.name, secretKeyOf(k), gatewayKeyProblem);
    if (value === undefined) return;
    const sha256 = createHash('sha256').update(value).digest('hex');
    const same = result.find((r) => r.sha256 === sha256);
    if (same) secrets.errors.push(`${field}: the same key value as ${same.id}`);
    result.push({
      id: k.id,
      sha256,
      models: k.models,
      ...(k.rpm !== undefined ? { rpm: k.rpm } : {}),
      ...(k.tpm !== undefined ? { tpm: k.tpm } : {}),
      ...(k.concurrency !== undefined ? { concurrency: k.concurrency } : {}),
    });
  });
  return result;
}
