import { tlsTerminationKind } from '../../crds-equivalent/tls-termination.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';

export interface ServerSpec {
  address: string;
  port: number;
}

/** Servers HAProxy balances itself, or a LoadBalancer resource whose listener on this gateway does. */
export type BackendSpec = { servers: ServerSpec[] } | { loadBalancer: string };

export interface RouteSpec {
  hosts: string[];
  backend: BackendSpec;
}

export type CertificateSource =
  | { acmCertificateArn: string; renewalCheckSeconds?: number }
  /** A Secret with the keys SECRET_CERTIFICATE_KEY and SECRET_PRIVATE_KEY_KEY. */
  | { secretName: string };

/** The spec after schema validation (defaults applied). */
export interface TlsTerminationSpec {
  listen: { address?: string; httpsPort: number; httpPort: number };
  certificate: CertificateSource;
  backends: { default: BackendSpec; routes?: RouteSpec[] };
  redirectHttp: boolean;
  tlsPolicy: { minVersion: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string; ciphersuites?: string };
  alpn: string[];
  forwardedHeaders: boolean;
  proxyProtocol: 'none' | 'v1' | 'v2';
  timeouts: { connectSeconds: number; clientSeconds: number; serverSeconds: number; tunnelSeconds: number };
}

/** The Secret keys of a PEM pair: the leaf then its chain, and the private key. */
export const SECRET_CERTIFICATE_KEY = 'certificate';
export const SECRET_PRIVATE_KEY_KEY = 'privateKey';
export const DEFAULT_RENEWAL_CHECK_SECONDS = 3600;

/** A DNS name in lower case, or `*.` and one: what a route may match. */
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** OpenSSL cipher list syntax: names joined by `:`, with `!`, `+`, `-` and `@SECLEVEL=n`. Nothing else. */
const CIPHERS = /^[A-Za-z0-9_+!@=.-]+(:[A-Za-z0-9_+!@=.-]+)*$/;
/** TLS 1.3 suite names joined by `:`. */
const CIPHERSUITES = /^TLS_[A-Z0-9_]+(:TLS_[A-Z0-9_]+)*$/;
/** An ALPN protocol id as IANA lists them (h2, http/1.1, ...). */
const ALPN = /^[a-z0-9][a-z0-9/.-]{0,31}$/;

const validator = new SpecValidator([tlsTerminationKind]);

/** Schema, then what a schema cannot say well: host names, cipher strings, ALPN ids, ports that collide. */
export function validateTlsTerminationSpec(raw: unknown): Validation<TlsTerminationSpec> {
  const result = validator.validate<Omit<TlsTerminationSpec, 'alpn'> & { alpn?: string[] }>(tlsTerminationKind, raw);
  if (!result.ok) return result;
  const spec: TlsTerminationSpec = { ...result.value, alpn: result.value.alpn ?? defaultAlpn(result.value) };
  const errors = [
    ...routeErrors(spec.backends.routes ?? []),
    ...matchErrors('spec.tlsPolicy.ciphers', spec.tlsPolicy.ciphers, CIPHERS, 'an OpenSSL cipher list (a:b:!c)'),
    ...matchErrors('spec.tlsPolicy.ciphersuites', spec.tlsPolicy.ciphersuites, CIPHERSUITES, 'TLS_*:TLS_* suites'),
    ...spec.alpn.flatMap((id, i) => matchErrors(`spec.alpn[${i}]`, id, ALPN, 'an ALPN id such as h2 or http/1.1')),
    ...(spec.redirectHttp && spec.listen.httpPort === spec.listen.httpsPort
      ? ['spec.listen: httpPort and httpsPort are the same port']
      : []),
  ];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: spec };
}

/** h2 only where HAProxy itself speaks HTTP: in TCP mode an h2 client would send h2 to an HTTP/1.1 backend. */
function defaultAlpn(spec: { forwardedHeaders: boolean }): string[] {
  return spec.forwardedHeaders ? ['h2', 'http/1.1'] : ['http/1.1'];
}

/** Every host a valid name, and none in two routes (the first would always win). */
function routeErrors(routes: readonly RouteSpec[]): string[] {
  const seen = new Map<string, number>();
  return routes.flatMap((route, r) =>
    route.hosts.flatMap((host, h) => {
      const field = `spec.backends.routes[${r}].hosts[${h}]`;
      if (host.length > 253 || !HOST.test(host))
        return [`${field}: ${JSON.stringify(host)} is not a lower-case host name or *.domain`];
      const earlier = seen.get(host);
      seen.set(host, earlier ?? r);
      return earlier !== undefined && earlier !== r
        ? [`${field}: ${host} is already routed by routes[${earlier}]`]
        : [];
    }),
  );
}

function matchErrors(field: string, value: string | undefined, pattern: RegExp, what: string): string[] {
  return value === undefined || pattern.test(value) ? [] : [`${field}: ${JSON.stringify(value)} is not ${what}`];
}

/** How often ACM is asked about renewals, or undefined for a Secret. */
export function renewalCheckSeconds(source: CertificateSource): number | undefined {
  return 'acmCertificateArn' in source ? (source.renewalCheckSeconds ?? DEFAULT_RENEWAL_CHECK_SECONDS) : undefined;
}
