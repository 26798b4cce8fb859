// Named SquidModels: the golden tests render them, and a check against the real squid can too (with its own root).
import type { SquidModel } from './model.js';

/** Paths of one revision under a root directory. */
export function squidPaths(root: string): SquidModel['paths'] {
  return {
    revisionDir: `${root}/rev-1`,
    cacheDir: `${root}/cache`,
    logDir: `${root}/log`,
    pidFile: `${root}/squid.pid`,
  };
}

/** The least a model holds: the schema's default ports; no auth, filter, cache or bandwidth limit. */
function minimal(root: string): SquidModel {
  return {
    paths: squidPaths(root),
    user: 'proxy',
    listen: { port: 3128 },
    clientCidrs: ['10.0.0.0/16'],
    safePorts: [80, 21, 443, 70, 210, [1025, 65535], 280, 488, 591, 777].map((p) =>
      Array.isArray(p) ? { first: p[0]!, last: p[1]! } : { first: p, last: p },
    ),
    connectPorts: [{ first: 443, last: 443 }],
    domains: { deny: [] },
  };
}

/** Every feature on: auth, deny and allow lists of all three pattern kinds, a disk cache, a bandwidth limit. */
function full(root: string): SquidModel {
  return {
    ...minimal(root),
    listen: { address: '10.0.0.10', port: 8080 },
    clientCidrs: ['10.0.0.0/16', '192.168.10.0/24'],
    connectPorts: [
      { first: 443, last: 443 },
      { first: 8443, last: 8443 },
      { first: 9000, last: 9100 },
    ],
    // Passwords: alice myPassword (APR1-MD5), bob password (SHA-512 crypt).
    auth: {
      realm: 'Cloud Spectra proxy',
      users: [
        { name: 'alice', hash: '$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/' },
        {
          name: 'bob',
          hash: '$6$csgwsalt$B9i.3c1zUKS7SKV.Zs1sZGOx4F06jZw9G/9OHThH9XIzacvGiKuiRGNFUcU1UJmzoGYq3RJGvR2zpf5MOSoUQ.',
        },
      ],
    },
    domains: {
      deny: [
        { match: 'exact', domain: 'ads.example.com' },
        { match: 'suffix', domain: 'malware.test' },
        { match: 'subdomains', domain: 'tracker.example.net' },
      ],
      allow: [
        { match: 'suffix', domain: 'debian.org' },
        { match: 'exact', domain: 'example.com' },
        { match: 'subdomains', domain: 'amazonaws.com' },
      ],
    },
    cache: { memoryMb: 256, diskMb: 2048, maxObjectSizeKb: 65536 },
    bandwidth: { bytesPerSecond: 2_500_000, burstBytes: 5_000_000 },
  };
}

/** A memory cache with small objects (kept in memory whole) and only a deny list of subdomain patterns. */
function memoryOnly(root: string): SquidModel {
  return {
    ...minimal(root),
    domains: { deny: [{ match: 'subdomains', domain: 'example.org' }] },
    cache: { memoryMb: 64, diskMb: 0, maxObjectSizeKb: 512 },
  };
}

/** Caching off, with an allow list that is referenced but empty: nothing but the manager from localhost passes. */
function cacheOff(root: string): SquidModel {
  return { ...minimal(root), domains: { deny: [], allow: [] }, bandwidth: { bytesPerSecond: 1000, burstBytes: 1000 } };
}

export const SQUID_FIXTURES: Readonly<Record<string, (root: string) => SquidModel>> = {
  minimal,
  full,
  'memory-only': memoryOnly,
  'cache-off': cacheOff,
};
