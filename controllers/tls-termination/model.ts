import {
  INTERMEDIATE_CIPHERS,
  INTERMEDIATE_CIPHERSUITES,
  type FrontendModel,
  type HaproxyModel,
} from '../../renderers/haproxy/model.js';
import { renderHaproxy } from '../../renderers/haproxy/render.js';
import type { DaemonRevision, Socket } from '../../runtime/daemon/types.js';
import { revisionHash } from '../../runtime/daemon/revisions.js';
import type { CertificateFiles } from './cert-file.js';
import type { HaproxyPaths } from './paths.js';
import type { CertificateObservation, TerminationTarget } from './types.js';

/** Facts the model needs beyond the specs, given at wiring. */
export interface TlsModelFacts {
  paths: HaproxyPaths;
  files: CertificateFiles;
  /** The account HAProxy drops to, when it exists on this host. */
  user?: string;
}

/** The HAProxy revision to run, and which resources it serves (a resource without a certificate is left out). */
export interface TlsPlanInput {
  revision?: DaemonRevision;
  /** In frontend order: t0 is served[0]. */
  served: string[];
}

/**
 * haproxy.cfg for every resource that can be served: its backends resolved, and a certificate on disk or about to be
 * written. None servable: no revision, HAProxy is not wanted. Pure.
 */
export function tlsRevision(
  targets: readonly TerminationTarget[],
  certificates: readonly CertificateObservation[],
  facts: TlsModelFacts,
): TlsPlanInput {
  const servable = targets.filter((t) => {
    const cert = certificates.find((c) => c.resource === t.name);
    return !t.backendError && (cert?.wanted !== undefined || cert?.file !== undefined);
  });
  if (servable.length === 0) return { served: [] };
  const model: HaproxyModel = {
    adminSocket: facts.paths.adminSocket,
    ...(facts.user ? { user: facts.user } : {}),
    frontends: servable.map((t, i) => frontendModel(t, `t${i}`, facts.files.pathOf(t.name))),
  };
  const files = renderHaproxy(model);
  const listens = servable.flatMap(sockets);
  const first = listens[0]!;
  const revision: DaemonRevision = {
    hash: revisionHash(files),
    files,
    ready: { tcp: { host: first.host, port: first.port } },
    listens,
    // A listen address that is not local, or a port another process holds, would only fail once HAProxy starts.
    preflight: [
      ...[...new Set(servable.flatMap((t) => (t.spec.listen.address ? [t.spec.listen.address] : [])))].map(
        (localAddress) => ({ localAddress }),
      ),
      ...listens.map((s) => ({ portAvailable: s })),
    ],
  };
  return { revision, served: servable.map((t) => t.name) };
}

export function frontendModel(t: TerminationTarget, id: string, certificateFile: string): FrontendModel {
  const { spec } = t;
  return {
    id,
    ...(spec.listen.address ? { address: spec.listen.address } : {}),
    httpsPort: spec.listen.httpsPort,
    ...(spec.redirectHttp ? { redirectPort: spec.listen.httpPort } : {}),
    certificateFile,
    mode: spec.forwardedHeaders ? 'http' : 'tcp',
    tls: {
      minVersion: spec.tlsPolicy.minVersion,
      ciphers: spec.tlsPolicy.ciphers ?? INTERMEDIATE_CIPHERS,
      ciphersuites: spec.tlsPolicy.ciphersuites ?? INTERMEDIATE_CIPHERSUITES,
      alpn: spec.alpn,
    },
    routes: t.routes,
    defaultServers: t.defaultServers,
    proxyProtocol: spec.proxyProtocol,
    timeouts: spec.timeouts,
  };
}

function sockets(t: TerminationTarget): Socket[] {
  const host = t.spec.listen.address ?? '0.0.0.0';
  return [
    { host, port: t.spec.listen.httpsPort },
    ...(t.spec.redirectHttp ? [{ host, port: t.spec.listen.httpPort }] : []),
  ];
}
