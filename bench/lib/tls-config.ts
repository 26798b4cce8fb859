import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CertificateFiles, PemBundle } from '../../controllers/tls-termination/cert-file.js';
import { decodeTlsTerminations, listenerConflict } from '../../controllers/tls-termination/decode.js';
import { frontendModel } from '../../controllers/tls-termination/model.js';
import { validateTlsTerminationSpec } from '../../controllers/tls-termination/spec.js';
import { renderHaproxy } from '../../renderers/haproxy/render.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';

/** The name the benchmark's certificate is for (a reserved test domain) and the TlsTermination/Secret names. */
export const TLS_SERVERNAME = 'tls-bench.test';
export const TLS_RESOURCE = 'tls-bench';

export interface PemPair {
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed RSA 2048 certificate for TLS_SERVERNAME, valid 2 days, made with openssl (argument arrays) in `dir`.
 * RSA 2048 because it is ACM's default key, and the signature is most of a full handshake's server cost.
 */
export async function makeCertificate(dir: string): Promise<PemPair> {
  const pair = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    `/CN=${TLS_SERVERNAME}`,
    '-addext',
    `subjectAltName=DNS:${TLS_SERVERNAME}`,
    '-keyout',
    pair.keyFile,
    '-out',
    pair.certFile,
  ]);
  return pair;
}

/** The TlsTermination spec a user would write: TLS on one address and port, one plain HTTP server behind it. */
export function tlsTerminationSpec(
  listen: { address: string; httpsPort: number },
  backend: { address: string; port: number },
): Record<string, unknown> {
  return {
    listen,
    certificate: { secretName: TLS_RESOURCE },
    backends: { default: { servers: [backend] } },
    redirectHttp: false,
  };
}

export interface RenderedHaproxy {
  /** haproxy.cfg as the controller renders it. */
  config: string;
  /** The PEM bundle it names, written as the controller writes it (0600). */
  certificateFile: string;
}

/**
 * haproxy.cfg and the certificate file one reconcile pass of the TlsTermination controller would write for `spec`
 * with the PEM pair in a Secret: its decoder (schema, admission, the Secret resolved), its frontend model, the
 * renderer (which checks the model again), and its certificate file writer. `dir` holds the files and the runtime
 * API socket.
 */
export async function renderBenchHaproxy(
  spec: Record<string, unknown>,
  pem: PemPair,
  dir: string,
): Promise<RenderedHaproxy> {
  const data = { certificate: await readFile(pem.certFile, 'utf8'), privateKey: await readFile(pem.keyFile, 'utf8') };
  const resource = (name: string, value: unknown) => ({
    name,
    generation: 1,
    modifiedAt: '2026-01-01T00:00:00.000Z',
    value: JSON.stringify(value),
  });
  const snapshot: KindSnapshot = {
    kind: 'TlsTermination',
    resources: [resource(TLS_RESOURCE, spec)],
    related: { Secret: [resource(TLS_RESOURCE, { data })] },
  };
  const decoded = decodeTlsTerminations(snapshot, new ResourceAdmission(validateTlsTerminationSpec, listenerConflict));
  if (!decoded.ok) throw new Error(`TlsTermination decode failed: ${JSON.stringify(decoded)}`);
  if (decoded.ignored.length > 0) throw new Error(`TlsTermination rejected: ${JSON.stringify(decoded.ignored)}`);
  const [target] = decoded.desired.spec.targets;
  if (!target || !('secret' in target.certificate) || target.backendError !== undefined)
    throw new Error(`TlsTermination not servable: ${JSON.stringify(target)}`);
  const files = new CertificateFiles(join(dir, 'certs'));
  await files.write(TLS_RESOURCE, PemBundle.of(target.certificate.secret.material.material));
  const model = {
    adminSocket: join(dir, 'admin.sock'),
    frontends: [frontendModel(target, 't0', files.pathOf(TLS_RESOURCE))],
  };
  const [cfg] = renderHaproxy(model);
  if (!cfg) throw new Error('renderHaproxy rendered nothing');
  return { config: cfg.content, certificateFile: files.pathOf(TLS_RESOURCE) };
}
