// fast-check arbitraries for HaproxyModel: the renderer's property and injection tests use them, and so does the
// integration test that feeds rendered configurations to the real `haproxy -c`.
import fc from 'fast-check';
import { ipv4Address } from '../../testing/arbitraries.js';
import {
  INTERMEDIATE_CIPHERS,
  INTERMEDIATE_CIPHERSUITES,
  type FrontendModel,
  type HaproxyModel,
  type HostMatch,
  type RouteModel,
  type ServerModel,
} from './model.js';

const port = fc.integer({ min: 1, max: 65535 });
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const pathSegment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,11}$/);
const absolutePath = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);

export const hostMatch: fc.Arbitrary<HostMatch> = fc.oneof(
  dnsName.map((exact) => ({ exact })),
  dnsName.map((oneLabelBelow) => ({ oneLabelBelow })),
);

const server: fc.Arbitrary<ServerModel> = fc.record({ address: ipv4Address, port });
const servers = fc.array(server, { minLength: 1, maxLength: 4 });
const route: fc.Arbitrary<RouteModel> = fc.record({
  hosts: fc.array(hostMatch, { minLength: 1, maxLength: 3 }),
  servers,
});

const seconds = fc.integer({ min: 1, max: 86400 });

/** One frontend; `certificateFile` fixed when a test must have the file on disk (haproxy -c loads it). */
export function frontendModel(id: string, certificateFile?: string): fc.Arbitrary<FrontendModel> {
  return fc
    .record({
      address: fc.option(ipv4Address, { nil: undefined }),
      httpsPort: port,
      redirectPort: fc.option(port, { nil: undefined }),
      certificateFile: certificateFile ? fc.constant(certificateFile) : absolutePath.map((p) => `${p}.pem`),
      mode: fc.constantFrom('http' as const, 'tcp' as const),
      tls: fc.record({
        minVersion: fc.constantFrom('TLSv1.2' as const, 'TLSv1.3' as const),
        ciphers: fc.constantFrom(INTERMEDIATE_CIPHERS, 'ECDHE-RSA-AES128-GCM-SHA256', 'HIGH:!aNULL:!MD5'),
        ciphersuites: fc.constantFrom(INTERMEDIATE_CIPHERSUITES, 'TLS_AES_256_GCM_SHA384'),
        alpn: fc.subarray(['h2', 'http/1.1', 'http/1.0'], { minLength: 1 }),
      }),
      routes: fc.array(route, { maxLength: 3 }),
      defaultServers: servers,
      proxyProtocol: fc.constantFrom('none' as const, 'v1' as const, 'v2' as const),
      timeouts: fc.record({
        connectSeconds: fc.integer({ min: 1, max: 300 }),
        clientSeconds: seconds,
        serverSeconds: seconds,
        tunnelSeconds: seconds,
      }),
    })
    .map(({ address, redirectPort, ...f }): FrontendModel => ({
      ...f,
      id,
      ...(address !== undefined ? { address } : {}),
      ...(redirectPort !== undefined ? { redirectPort } : {}),
    }));
}

/** A whole model: up to three frontends, ids t0, t1, ... */
export function haproxyModel(certificateFile?: string): fc.Arbitrary<HaproxyModel> {
  return fc
    .record({
      adminSocket: absolutePath.map((p) => `${p}.sock`),
      user: fc.option(fc.constantFrom('haproxy', 'nobody'), { nil: undefined }),
      count: fc.integer({ min: 0, max: 3 }),
    })
    .chain(({ adminSocket, user, count }) =>
      fc
        .tuple(...Array.from({ length: count }, (_, i) => frontendModel(`t${i}`, certificateFile)))
        .map((frontends) => ({ adminSocket, ...(user ? { user } : {}), frontends })),
    );
}
