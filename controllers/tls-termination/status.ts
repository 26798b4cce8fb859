import type { ConditionInput, DesiredState } from '../../runtime/controller.js';
import { daemonConditions } from '../../runtime/daemon/conditions.js';
import { daemonDetails } from '../../runtime/daemon/details.js';
import type { ServerModel } from '../../renderers/haproxy/model.js';
import { HAPROXY } from './haproxy-daemon.js';
import { tlsRevision, type TlsModelFacts } from './model.js';
import { desiredRevision } from './plan.js';
import type { CertificateObservation, TerminationTarget, TlsDesired, TlsObserved } from './types.js';

/**
 * Status details per resource: phase, listeners, the certificate served (subject, issuer, serial, notAfter,
 * fingerprint, source), a pending or refused rotation, backends and routes; and the kit's part. Never a key or a PEM.
 */
export function tlsDetails(
  desired: DesiredState<TlsDesired>,
  observed: TlsObserved,
  facts: TlsModelFacts,
): Record<string, unknown> {
  const { targets } = desired.spec;
  const { served } = tlsRevision(targets, observed.certificates, facts);
  const revision = desiredRevision(desired, observed, facts);
  return {
    phase: observed.daemon.phase,
    terminations: targets.map((t) => termination(t, observed, served.includes(t.name))),
    ...daemonDetails(observed.daemon, revision?.hash),
  };
}

function termination(t: TerminationTarget, observed: TlsObserved, inConfig: boolean): Record<string, unknown> {
  const cert = observed.certificates.find((c) => c.resource === t.name);
  const { listen, redirectHttp } = t.spec;
  const host = listen.address ?? '0.0.0.0';
  const servers = (list: readonly ServerModel[]): string[] => list.map((s) => `${s.address}:${s.port}`);
  return {
    name: t.name,
    generation: t.generation,
    phase: phaseOf(t, inConfig, observed.daemon.phase === 'running'),
    listeners: [
      `https ${host}:${listen.httpsPort}`,
      ...(redirectHttp ? [`http ${host}:${listen.httpPort} (301)`] : []),
    ],
    ...(cert ? certificateDetails(cert) : {}),
    backends: {
      default: servers(t.defaultServers),
      routes: t.routes.map((r) => ({
        hosts: r.hosts.map((h) => ('exact' in h ? h.exact : `*.${h.oneLabelBelow}`)),
        servers: servers(r.servers),
      })),
    },
    ...(t.backendError ? { backendError: t.backendError } : {}),
    ...(t.backendStale ? { backendStale: t.backendStale } : {}),
  };
}

function phaseOf(t: TerminationTarget, inConfig: boolean, running: boolean): string {
  if (t.backendError) return 'BackendUnresolved';
  if (!inConfig) return 'WaitingForCertificate';
  return running ? 'Serving' : 'Starting';
}

function certificateDetails(c: CertificateObservation): Record<string, unknown> {
  const { file, wanted, served } = c;
  const serving = file && (!served || served.sha1 === file.sha1) ? file : undefined;
  return {
    certificate: {
      source: c.source,
      ...(serving
        ? {
            subject: serving.subject,
            issuer: serving.issuer,
            serial: serving.serial,
            notAfter: serving.notAfter,
            fingerprint: serving.sha256,
          }
        : {}),
      ...(served ? { servedSerial: served.serial } : {}),
      ...(wanted && wanted.leaf.sha256 !== file?.sha256
        ? { pendingRotation: { serial: wanted.leaf.serial, fingerprint: wanted.leaf.sha256 } }
        : {}),
      ...(c.rejected ? { rejected: { fingerprint: c.rejected.sha256, message: c.rejected.message } } : {}),
      ...(c.problem ? { problem: c.problem } : {}),
    },
  };
}

/**
 * The kit's conditions, plus: Ready=False WaitingForCertificate while no resource can be served; Degraded for a
 * certificate HAProxy refused or one that cannot be had (the previous one, if any, keeps serving).
 */
export function tlsConditions(
  desired: DesiredState<TlsDesired>,
  observed: TlsObserved,
  facts: TlsModelFacts,
): ConditionInput[] {
  const revision = desiredRevision(desired, observed, facts);
  const base = daemonConditions(HAPROXY, revision, observed.daemon);
  const { targets } = desired.spec;
  const waiting: ConditionInput[] =
    targets.length > 0 && !revision
      ? [{ type: 'Ready', status: 'False', reason: 'WaitingForCertificate', message: waitingMessage(observed) }]
      : [];
  const stale = targets.flatMap((t) => (t.backendStale ? [`${t.name}: ${t.backendStale}`] : []));
  const problems = observed.certificates.flatMap((c) =>
    c.rejected
      ? [`${c.resource}: HAProxy refused the new certificate: ${c.rejected.message}`]
      : c.problem
        ? [`${c.resource}: ${c.problem.reason}: ${c.problem.message}`]
        : [],
  );
  const reason = observed.certificates.some((c) => c.rejected)
    ? 'CertificateRejected'
    : problems.length > 0
      ? 'CertificateProblem'
      : 'BackendUnresolved';
  const all = [...problems, ...stale];
  const degraded: ConditionInput[] =
    all.length > 0 ? [{ type: 'Degraded', status: 'True', reason, message: all.join('; ') }] : [];
  return [...base, ...waiting, ...degraded];
}

function waitingMessage(observed: TlsObserved): string {
  const why = observed.certificates.map((c) => `${c.resource}: ${c.problem?.message ?? 'no certificate yet'}`);
  return `no TlsTermination has a certificate to serve yet (${why.join('; ')})`;
}
