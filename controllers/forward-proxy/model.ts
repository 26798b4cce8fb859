import type { DomainFilterSpec } from '../../policy/domains/policy.js';
import { compileDomainPolicy } from '../../policy/domains/policy.js';
import type { ProxyUser, SquidModel } from '../../renderers/squid/model.js';
import { renderSquid, restartKeyOf } from '../../renderers/squid/render.js';
import { revisionHash } from '../../runtime/daemon/revisions.js';
import type { ProxyPaths } from './paths.js';
import { SQUID_CONFIG, squidReadiness } from './squid-daemon.js';
import { portRange, type ForwardProxySpec } from './spec.js';
import type { ProxyRevision } from './types.js';

/** Facts the model needs beyond the spec, given at wiring. */
export interface ProxyModelFacts {
  paths: ProxyPaths;
  /** The account squid runs as. */
  user: string;
  /** The directory a revision with this hash is staged in (RevisionStore.dirFor). */
  revisionDir: (hash: string) => string;
}

export interface ResolvedInputs {
  clientCidrs: readonly string[];
  filters: readonly DomainFilterSpec[];
  users?: readonly ProxyUser[];
}

const PLACEHOLDER_DIR = '/csgw-revision';

/** The squid model of a validated spec and its resolved references. */
export function squidModel(
  spec: ForwardProxySpec,
  inputs: ResolvedInputs,
  facts: ProxyModelFacts,
  revisionDir: string,
): SquidModel {
  const { paths } = facts;
  const cache = spec.cache ?? { enabled: true, memoryMb: 256, diskMb: 0, maxObjectSizeKb: 4096 };
  const rate = spec.bandwidth && Math.floor((spec.bandwidth.perClientKbps * 1000) / 8);
  return {
    paths: { revisionDir, cacheDir: paths.cacheDir, logDir: paths.logDir, pidFile: paths.pidFile },
    user: facts.user,
    listen: { ...(spec.listenAddress ? { address: spec.listenAddress } : {}), port: spec.port },
    clientCidrs: inputs.clientCidrs,
    safePorts: spec.safePorts.map(portRange),
    connectPorts: spec.connectPorts.map(portRange),
    ...(spec.authentication && inputs.users ? { auth: { realm: spec.authentication.realm, users: inputs.users } } : {}),
    domains: compileDomainPolicy(inputs.filters),
    ...(cache.enabled
      ? { cache: { memoryMb: cache.memoryMb, diskMb: cache.diskMb, maxObjectSizeKb: cache.maxObjectSizeKb } }
      : {}),
    ...(spec.bandwidth && rate
      ? { bandwidth: { bytesPerSecond: rate, burstBytes: (spec.bandwidth.burstKb ?? 0) * 1000 || rate } }
      : {}),
  };
}

/**
 * Renders the revision. Its files name each other by the revision's directory, which is named by the content hash:
 * the hash is taken over a rendering with a placeholder directory, then the files are rendered for the real one.
 */
export function proxyRevision(spec: ForwardProxySpec, inputs: ResolvedInputs, facts: ProxyModelFacts): ProxyRevision {
  const hash = revisionHash(renderSquid(squidModel(spec, inputs, facts, PLACEHOLDER_DIR)));
  const files = renderSquid(squidModel(spec, inputs, facts, facts.revisionDir(hash)));
  const host = spec.listenAddress ?? '0.0.0.0';
  return {
    hash,
    files,
    restartKey: restartKeyOf(files.find((f) => f.name === SQUID_CONFIG)?.content ?? ''),
    listen: `${host}:${spec.port}`,
    ready: squidReadiness(`${spec.listenAddress ?? '127.0.0.1'}:${spec.port}`),
    listens: [{ host, port: spec.port }],
    // A listen address that is not local, or a port another process holds, would only fail once squid starts.
    preflight: [
      ...(spec.listenAddress ? [{ localAddress: spec.listenAddress }] : []),
      { portAvailable: { host, port: spec.port } },
    ],
  };
}
