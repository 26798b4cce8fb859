import { INTERMEDIATE_CIPHERS, INTERMEDIATE_CIPHERSUITES, type FrontendModel, type HaproxyModel } from './model.js';

/** A frontend with every feature: routes (exact and wildcard), redirect, PROXY protocol. */
export const FULL_FRONTEND: FrontendModel = {
  id: 't0',
  address: '10.0.0.5',
  httpsPort: 443,
  redirectPort: 80,
  certificateFile: '/var/lib/csgw/haproxy/certs/web.pem',
  mode: 'http',
  tls: {
    minVersion: 'TLSv1.2',
    ciphers: INTERMEDIATE_CIPHERS,
    ciphersuites: INTERMEDIATE_CIPHERSUITES,
    alpn: ['h2', 'http/1.1'],
  },
  routes: [
    {
      hosts: [{ exact: 'api.example.com' }, { oneLabelBelow: 'api.example.net' }],
      servers: [{ address: '10.0.1.20', port: 8080 }],
    },
  ],
  defaultServers: [
    { address: '10.0.1.10', port: 8080 },
    { address: '10.0.1.11', port: 8080 },
  ],
  proxyProtocol: 'v2',
  timeouts: { connectSeconds: 5, clientSeconds: 60, serverSeconds: 60, tunnelSeconds: 3600 },
};

/** TCP mode, no redirect, no routes, every address, another port. */
export const TCP_FRONTEND: FrontendModel = {
  ...FULL_FRONTEND,
  id: 't1',
  address: undefined,
  httpsPort: 8443,
  redirectPort: undefined,
  certificateFile: '/var/lib/csgw/haproxy/certs/raw.pem',
  mode: 'tcp',
  routes: [{ hosts: [{ oneLabelBelow: 'example.org' }], servers: [{ address: '10.0.2.1', port: 9000 }] }],
  defaultServers: [{ address: '10.0.2.2', port: 9000 }],
  proxyProtocol: 'none',
};

export const HAPROXY_FIXTURES: Record<string, HaproxyModel> = {
  full: { adminSocket: '/var/lib/csgw/haproxy/run/admin.sock', user: 'haproxy', frontends: [FULL_FRONTEND] },
  two: { adminSocket: '/var/lib/csgw/haproxy/run/admin.sock', frontends: [FULL_FRONTEND, TCP_FRONTEND] },
};
