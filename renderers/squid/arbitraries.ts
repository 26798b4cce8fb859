// fast-check arbitraries for SquidModel: the renderer's property tests use them, and so does the e2e test that feeds
// rendered configurations to the real `squid -k parse`.
import fc from 'fast-check';
import { minimisePatterns, type DomainPattern } from '../../policy/domains/pattern.js';
import type { DomainPolicy } from '../../policy/domains/policy.js';
import { disjointCidrs, ipv4Address } from '../../testing/arbitraries.js';
import type { PortRange, ProxyUser, SquidModel } from './model.js';

export interface SquidModelOptions {
  /**
   * Fixed paths. `squid -k parse` reads the domain lists, so a test that runs it writes the rendered files to
   * paths.revisionDir and passes the paths here.
   */
  paths?: SquidModel['paths'];
  /** A fixed account: `squid -k parse` fails on a cache_effective_user that does not exist (Debian's is `proxy`). */
  user?: string;
}

const pathSegment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/);
const absolutePath = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);

/** Absolute paths; the ones that outlive a revision are never inside its directory. */
export const squidPaths: fc.Arbitrary<SquidModel['paths']> = fc
  .record({ revisionDir: absolutePath, cacheDir: absolutePath, logDir: absolutePath, pidFile: absolutePath })
  .filter(({ revisionDir, ...others }) =>
    Object.values(others).every((p) => p !== revisionDir && !p.startsWith(`${revisionDir}/`)),
  );

const port = fc.integer({ min: 1, max: 65535 });

export const portRange: fc.Arbitrary<PortRange> = fc.oneof(
  port.map((p) => ({ first: p, last: p })),
  fc.tuple(port, port).map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) })),
);

const portRanges = fc.array(portRange, { minLength: 1, maxLength: 8 });

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);

/** Domains from a small alphabet of labels, so that patterns often nest and minimisation has work to do. */
export const domainName: fc.Arbitrary<string> = fc
  .array(fc.oneof(label, fc.constantFrom('example', 'com', 'org', 'a', 'b', 'xn--bcher-kva')), {
    minLength: 1,
    maxLength: 4,
  })
  .map((labels) => labels.join('.'));

export const domainPattern: fc.Arbitrary<DomainPattern> = fc.record({
  match: fc.constantFrom('exact', 'suffix', 'subdomains'),
  domain: domainName,
});

const patternList = fc.array(domainPattern, { maxLength: 10 }).map(minimisePatterns);

/** A policy as compileDomainPolicy leaves it: each list minimised, the allow list present or not. */
export const domainPolicy: fc.Arbitrary<DomainPolicy> = fc
  .tuple(patternList, fc.option(patternList, { nil: undefined }))
  .map(([deny, allow]) => (allow === undefined ? { deny } : { deny, allow }));

/** A crypt(3) hash as basic_ncsa_auth reads it (APR1-MD5 or SHA-512 crypt); the content is never checked here. */
const cryptHash = fc.oneof(
  fc.stringMatching(/^\$apr1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/),
  fc.stringMatching(/^\$6\$[./0-9A-Za-z]{8,16}\$[./0-9A-Za-z]{86}$/),
);

export const proxyUsers: fc.Arbitrary<ProxyUser[]> = fc.uniqueArray(
  fc.record({ name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/), hash: cryptHash }),
  { maxLength: 5, selector: (u) => u.name },
);

/** The ForwardProxy schema's realm. */
const realm = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/);

/** Ranges of the ForwardProxy schema, converted as the model builder does (kbit/s to bytes/s, KB to bytes). */
const cache = fc.record({
  memoryMb: fc.integer({ min: 1, max: 65536 }),
  diskMb: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1048576 })),
  maxObjectSizeKb: fc.integer({ min: 1, max: 4194304 }),
});

const bandwidth = fc.record({
  bytesPerSecond: fc.integer({ min: 8, max: 100_000_000 }).map((kbps) => kbps * 125),
  burstBytes: fc.integer({ min: 1, max: 10_000_000 }).map((kb) => kb * 1000),
});

/** A valid SquidModel, every optional part present or not. */
export function squidModel(options: SquidModelOptions = {}): fc.Arbitrary<SquidModel> {
  return fc
    .record({
      paths: options.paths ? fc.constant(options.paths) : squidPaths,
      user: options.user !== undefined ? fc.constant(options.user) : fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}$/),
      listen: fc.record({ address: ipv4Address, port }, { requiredKeys: ['port'] }),
      clientCidrs: disjointCidrs({ minLength: 1, maxLength: 8 }),
      safePorts: portRanges,
      connectPorts: portRanges,
      auth: fc.option(fc.record({ realm, users: proxyUsers }), { nil: undefined }),
      domains: domainPolicy,
      cache: fc.option(cache, { nil: undefined }),
      bandwidth: fc.option(bandwidth, { nil: undefined }),
    })
    .map(dropUndefined);
}

/** Optional fields absent rather than undefined, as a model built from a spec has them. */
function dropUndefined(model: SquidModel): SquidModel {
  return Object.fromEntries(Object.entries(model).filter(([, v]) => v !== undefined)) as unknown as SquidModel;
}
