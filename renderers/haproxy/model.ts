/** One server HAProxy connects to. */
export interface ServerModel {
  address: string;
  port: number;
}

/** A host a route matches: a name exactly, or every name one label below a domain (`*.domain`). */
export type HostMatch = { exact: string } | { oneLabelBelow: string };

export interface RouteModel {
  hosts: readonly HostMatch[];
  servers: readonly ServerModel[];
}

/** One TlsTermination: its TLS listener, its redirect listener, and the backends it routes to. */
export interface FrontendModel {
  /** Names its proxies in haproxy.cfg (`<id>_https`, `<id>_be0`): lower-case letters, digits and `_`. */
  id: string;
  /** undefined: every address. */
  address?: string;
  httpsPort: number;
  /** The port answered with a 301 to https; undefined: no redirect listener. */
  redirectPort?: number;
  /** Absolute path of the PEM (certificate, chain, key) the listener presents. */
  certificateFile: string;
  /** http: HAProxy parses HTTP (X-Forwarded-* headers, Host routing); tcp: the decrypted stream as is (SNI routing). */
  mode: 'http' | 'tcp';
  tls: { minVersion: 'TLSv1.2' | 'TLSv1.3'; ciphers: string; ciphersuites: string; alpn: readonly string[] };
  routes: readonly RouteModel[];
  defaultServers: readonly ServerModel[];
  proxyProtocol: 'none' | 'v1' | 'v2';
  timeouts: { connectSeconds: number; clientSeconds: number; serverSeconds: number; tunnelSeconds: number };
}

/**
 * Everything haproxy.cfg says, resolved and validated: only validated specs may build one
 * (controllers/tls-termination/model.ts); the renderer checks it again (guard.ts) as defence in depth.
 */
export interface HaproxyModel {
  /** The runtime API (stats socket, level admin): certificates are swapped through it. */
  adminSocket: string;
  /** The account HAProxy drops to after binding and loading certificates; undefined: it stays root. */
  user?: string;
  frontends: readonly FrontendModel[];
}

/** Mozilla's intermediate configuration (v5.7): TLS 1.2 ciphers. */
export const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Mozilla's intermediate configuration: TLS 1.3 suites. */
export const INTERMEDIATE_CIPHERSUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
