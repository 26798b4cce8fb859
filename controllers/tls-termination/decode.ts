import { secretKind } from '../../crds-equivalent/secret.js';
import { tlsTerminationKind } from '../../crds-equivalent/tls-termination.js';
import type { HostMatch, ServerModel } from '../../renderers/haproxy/model.js';
import type { DecodeResult, KindSnapshot, StoredResource } from '../../runtime/controller.js';
import { describeRejection, type Admitted, type ResourceAdmission } from '../../runtime/resource-admission.js';
import { resolveSecret } from '../../runtime/secrets/secret.js';
import {
  SECRET_CERTIFICATE_KEY,
  SECRET_PRIVATE_KEY_KEY,
  renewalCheckSeconds,
  type BackendSpec,
  type TlsTerminationSpec,
} from './spec.js';
import { SecretMaterial, type CertificateOrigin, type TerminationTarget, type TlsDesired } from './types.js';

/**
 * Finds the listener of a LoadBalancer resource on this gateway (its address and port), from the resources of the
 * LoadBalancer kind the controller watches; a string says why it cannot.
 */
export type LoadBalancerLookup = (
  name: string,
  related: KindSnapshot['related'],
  /** The TlsTermination asking: what it resolved before is its own to keep. */
  forResource: string,
) => ServerModel | string | { server: ServerModel; unresolved: string };

/**
 * Every admitted TlsTermination with its certificate source and backends. A resource whose listeners collide with an
 * older one's is rejected (the older keeps its ports); a rejected edit keeps the last admitted generation serving.
 */
export function decodeTlsTerminations(
  snapshot: KindSnapshot,
  admission: ResourceAdmission<TlsTerminationSpec>,
  loadBalancers?: LoadBalancerLookup,
): DecodeResult<TlsDesired> {
  const { admitted, rejected, holdAsFound } = admission.admit(snapshot);
  const secrets = snapshot.related?.[secretKind.kind] ?? [];
  const targets = admitted.map((a) => target(a, secrets, snapshot.related, loadBalancers));
  const ignored = rejected.map((r) => ({ name: r.name, reason: describeRejection(tlsTerminationKind.kind, r) }));
  const spec: TlsDesired = { targets, rejected, ...(holdAsFound ? { holdAsFound } : {}) };
  if (admitted.length === 0) return { ok: true, desired: { spec }, ignored };
  const name = admitted.map((a) => a.name).join(',');
  const generation = Math.max(...admitted.map((a) => a.generation));
  return { ok: true, desired: { name, generation, spec }, ignored };
}

/** Why `candidate` cannot join: a listener of its own on a socket an admitted resource holds. */
export function listenerConflict(
  candidate: Admitted<TlsTerminationSpec>,
  admitted: readonly Admitted<TlsTerminationSpec>[],
): string | undefined {
  // Its name becomes its certificate file's name: `..` must not reach a path.
  if (candidate.name.includes('..')) return `the name ${candidate.name} holds "..", which cannot name a file`;
  const mine = sockets(candidate.spec);
  for (const other of admitted)
    for (const s of sockets(other.spec))
      if (mine.some((m) => m.port === s.port && overlaps(m.address, s.address)))
        return `port ${s.port} is already served by TlsTermination ${other.name}`;
  return undefined;
}

function sockets(spec: TlsTerminationSpec): { address: string; port: number }[] {
  const address = spec.listen.address ?? '0.0.0.0';
  return [
    { address, port: spec.listen.httpsPort },
    ...(spec.redirectHttp ? [{ address, port: spec.listen.httpPort }] : []),
  ];
}

function overlaps(a: string, b: string): boolean {
  return a === b || a === '0.0.0.0' || b === '0.0.0.0';
}

function target(
  a: Admitted<TlsTerminationSpec>,
  secrets: readonly StoredResource[],
  related: KindSnapshot['related'],
  loadBalancers: LoadBalancerLookup | undefined,
): TerminationTarget {
  const errors: string[] = [];
  const stale: string[] = [];
  const servers = (field: string, b: BackendSpec): ServerModel[] => {
    if ('servers' in b) return b.servers.map((s) => ({ address: s.address, port: s.port }));
    const found = loadBalancers
      ? loadBalancers(b.loadBalancer, related, a.name)
      : 'LoadBalancer backends need the LoadBalancer kind, which this operator does not run';
    if (typeof found === 'string') {
      errors.push(`${field}: ${found}`);
      return [];
    }
    if (!('unresolved' in found)) return [found];
    const { address, port } = found.server;
    stale.push(`${field}: ${found.unresolved}; still sending to its last listener ${address}:${port}`);
    return [found.server];
  };
  const { backends } = a.spec;
  const defaultServers = servers('spec.backends.default', backends.default);
  const routes = (backends.routes ?? []).map((r, i) => ({
    hosts: r.hosts.map(hostMatch),
    servers: servers(`spec.backends.routes[${i}].backend`, r.backend),
  }));
  return {
    name: a.name,
    generation: a.generation,
    spec: a.spec,
    certificate: origin(a.spec, secrets),
    defaultServers,
    routes,
    ...(errors.length > 0 ? { backendError: errors.join('; ') } : {}),
    ...(stale.length > 0 ? { backendStale: stale.join('; ') } : {}),
  };
}

function hostMatch(host: string): HostMatch {
  return host.startsWith('*.') ? { oneLabelBelow: host.slice(2) } : { exact: host };
}

/** The ACM ARN, or the PEM pair of the Secret (a missing one is a reason to wait, not a rejected spec). */
function origin(spec: TlsTerminationSpec, secrets: readonly StoredResource[]): CertificateOrigin {
  const source = spec.certificate;
  if ('acmCertificateArn' in source)
    return { acm: { arn: source.acmCertificateArn, renewalCheckSeconds: renewalCheckSeconds(source)! } };
  const name = source.secretName;
  const cert = resolveSecret(secrets, { name, key: SECRET_CERTIFICATE_KEY });
  const key = resolveSecret(secrets, { name, key: SECRET_PRIVATE_KEY_KEY });
  if (!cert.ok) return { unresolved: cert.error };
  if (!key.ok) return { unresolved: key.error };
  const material = { ...splitLeaf(cert.secret.value), privateKeyPem: key.secret.value };
  return { secret: { name, generation: cert.secret.generation, material: new SecretMaterial(material) } };
}

const FIRST_CERTIFICATE = /^\s*(-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----)/;

/**
 * The Secret's certificate value holds the leaf first, then its chain. Anything else stays whole in certificatePem,
 * where the certificate check refuses it.
 */
export function splitLeaf(value: string): { certificatePem: string; chainPem: string } {
  const leaf = FIRST_CERTIFICATE.exec(value);
  if (!leaf?.[1]) return { certificatePem: value, chainPem: '' };
  return { certificatePem: `${leaf[1]}\n`, chainPem: value.slice(leaf[0].length).trim() };
}
