import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import { secretKind } from '../../crds-equivalent/secret.js';
import { resolveDomainFilters, type NamedFilter, type Resolved } from '../../policy/domains/resolve.js';
import type { DecodeResult, KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { resolveSecret } from '../../runtime/secrets/secret.js';
import type { ProxyUser } from '../../renderers/squid/model.js';
import { parseHtpasswd } from './htpasswd.js';
import { proxyRevision, type ProxyModelFacts } from './model.js';
import { validateForwardProxySpec, type ForwardProxySpec } from './spec.js';
import type { ForwardProxyDesired, ProxySources } from './types.js';

export interface ProxyDecodeFacts extends ProxyModelFacts {
  vpcCidrs: readonly string[];
}

const ABSENT: ForwardProxySpec = { enable: false, port: 3128, connectPorts: [443], safePorts: [80] };

/**
 * The desired proxy: the singleton spec plus the DomainFilters and Secret it names, rendered into a revision. A
 * missing or invalid reference rejects the generation like an invalid spec, so the last good config keeps serving.
 */
export function decodeForwardProxy(snapshot: KindSnapshot, facts: ProxyDecodeFacts): DecodeResult<ForwardProxyDesired> {
  const decoded = decodeSingleton(forwardProxyKind, snapshot, validateForwardProxySpec, ABSENT);
  if (!decoded.ok) return decoded;
  const { desired, ignored } = decoded;
  const spec = desired.spec;
  const base = { name: desired.name, generation: desired.generation };
  if (!spec.enable)
    return { ok: true, ignored, desired: { ...base, spec: { enabled: false, sources: { domainFilters: [] } } } };
  const resolved = resolveReferences(spec, snapshot, facts);
  if (!resolved.ok)
    return { ok: false, name: desired.name ?? 'default', generation: desired.generation ?? 0, errors: resolved.errors };
  return { ok: true, ignored, desired: { ...base, spec: enabledProxy(spec, resolved.value, facts) } };
}

interface References {
  filters: NamedFilter[];
  users: UsersValue;
  clientCidrs: readonly string[];
}

function resolveReferences(
  spec: ForwardProxySpec,
  snapshot: KindSnapshot,
  facts: ProxyDecodeFacts,
): Resolved<References> {
  const filters = resolveDomainFilters(
    'spec.domainFilters',
    spec.domainFilters ?? [],
    snapshot.related?.[domainFilterKind.kind] ?? [],
  );
  const users = resolveUsers(spec, snapshot.related?.[secretKind.kind] ?? []);
  const clientCidrs = spec.allowedClientCidrs ?? facts.vpcCidrs;
  const noClients =
    clientCidrs.length > 0
      ? []
      : ['spec.allowedClientCidrs: required, as the operator knows no VPC CIDR (--vpc-cidr / CSGW_VPC_CIDRS)'];
  if (filters.ok && users.ok && noClients.length === 0)
    return { ok: true, value: { filters: filters.value, users: users.value, clientCidrs } };
  return {
    ok: false,
    errors: [...(filters.ok ? [] : filters.errors), ...(users.ok ? [] : users.errors), ...noClients],
  };
}

function enabledProxy(spec: ForwardProxySpec, refs: References, facts: ProxyDecodeFacts): ForwardProxyDesired {
  const { filters, users, clientCidrs } = refs;
  const revision = proxyRevision(
    spec,
    { clientCidrs, filters: filters.map((f) => f.spec), ...(users ? { users: users.users } : {}) },
    facts,
  );
  const sources: ProxySources = {
    domainFilters: filters.map(({ name, generation, spec: f }) => ({ name, generation, mode: f.mode })),
    ...(users ? { authentication: users.source } : {}),
  };
  return { enabled: true, revision, sources };
}

type UsersValue = { users: ProxyUser[]; source: NonNullable<ProxySources['authentication']> } | undefined;

function resolveUsers(spec: ForwardProxySpec, secrets: readonly StoredResource[]): Resolved<UsersValue> {
  const auth = spec.authentication;
  if (!auth) return { ok: true, value: undefined };
  const found = resolveSecret(secrets, { name: auth.secretRef.name, key: auth.secretRef.key });
  if (!found.ok) return { ok: false, errors: [`spec.authentication.secretRef: ${found.error}`] };
  const parsed = parseHtpasswd(found.secret.value);
  const where = `Secret ${found.secret.name} key ${auth.secretRef.key}`;
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((e) => `${where}: ${e}`) };
  const source = { secret: found.secret.name, generation: found.secret.generation, users: parsed.users.length };
  return { ok: true, value: { users: parsed.users, source } };
}
