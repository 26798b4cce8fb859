import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { describeDaemonAction, planDaemon, type DaemonAction } from '../../runtime/daemon/plan.js';
import type { PreflightCheck } from '../../runtime/daemon/definition.js';
import type { DaemonRevision, Socket } from '../../runtime/daemon/types.js';
import { HAPROXY } from './haproxy-daemon.js';
import { tlsRevision, type TlsModelFacts } from './model.js';
import type { CertificateObservation, TlsAction, TlsDesired, TlsObserved } from './types.js';

/**
 * A new certificate for a resource HAProxy serves is swapped in through the runtime API, never by a reload; when the
 * process loads its config anyway (start, reload, restart), the file is written before. A config change is the kit's
 * (planDaemon: install checked, reload hitless). Certificate files of resources that are gone go last, once HAProxy
 * no longer loads them. Pure.
 */
export function planTls(desired: DesiredState<TlsDesired>, observed: TlsObserved, facts: TlsModelFacts): TlsAction[] {
  // A restart over specs that no longer validate: an unfamiliar config never stops HAProxy.
  if (desired.spec.holdAsFound) return [];
  const revision = desiredRevision(desired, observed, facts);
  // Inert: nothing to retry soon on a host without haproxy; the probe runs again on the slow retry.
  if (revision && observed.unavailable)
    throw new ControllerError(observed.unavailable.reason, observed.unavailable.message, true);
  const daemon = planDaemon(revision, observed.daemon);
  const loads = observed.daemon.phase !== 'running' || daemon.some(loadsConfig);
  const updates = observed.certificates.flatMap((c) => certificateUpdate(c, loads));
  const wanted = new Set(desired.spec.targets.map((t) => t.name));
  const removals = observed.certificateFiles
    .filter((r) => !wanted.has(r))
    .map((resource) => ({ type: 'removeCertificate' as const, resource }));
  return [
    ...updates.filter((a) => a.type === 'writeCertificate'),
    ...daemon,
    ...updates.filter((a) => a.type === 'swapCertificate'),
    ...removals,
  ];
}

/** The revision the kit should run, with the generation it was rendered from; none while nothing can be served. */
export function desiredRevision(
  desired: DesiredState<TlsDesired>,
  observed: TlsObserved,
  facts: TlsModelFacts,
): DaemonRevision | undefined {
  const { revision } = tlsRevision(desired.spec.targets, observed.certificates, facts);
  if (!revision) return undefined;
  const preflight = withoutOwnPorts(revision, observed.daemon.running?.listens ?? []);
  return {
    ...revision,
    preflight,
    ...(desired.generation !== undefined ? { generation: desired.generation } : {}),
  };
}

/**
 * The pre-flight checks, less the port checks of sockets the running revision listens on: in master-worker mode a
 * worker holds them, which the kit's check (the daemon's own pid) would count as another process's. A reload passes
 * them to the new worker.
 */
function withoutOwnPorts(revision: DaemonRevision, running: readonly Socket[]): PreflightCheck[] {
  return (revision.preflight ?? []).filter(
    (c) =>
      !('portAvailable' in c) ||
      !running.some((s) => s.host === c.portAvailable.host && s.port === c.portAvailable.port),
  );
}

/** What one resource's certificate needs: nothing, the file written, or a swap in the running HAProxy. */
function certificateUpdate(c: CertificateObservation, processLoadsFiles: boolean): TlsAction[] {
  const { wanted } = c;
  if (!wanted) return [];
  const fileCurrent = c.file?.sha256 === wanted.leaf.sha256;
  const write = { type: 'writeCertificate' as const, resource: c.resource, bundle: wanted };
  if (!c.served || processLoadsFiles) return fileCurrent ? [] : [write];
  if (c.served.sha1 === wanted.leaf.sha1) return fileCurrent ? [] : [write];
  // Refused once: not offered again until another certificate is wanted (status says why).
  if (c.rejected?.sha256 === wanted.leaf.sha256) return [];
  return [{ type: 'swapCertificate', resource: c.resource, bundle: wanted }];
}

function loadsConfig(a: DaemonAction): boolean {
  return a.type === 'start' || a.type === 'restart' || a.type === 'reload';
}

/** One line per action; a certificate by its subject, serial and digest, never its PEM. */
export function describeAction(action: TlsAction): string {
  switch (action.type) {
    case 'writeCertificate':
    case 'swapCertificate': {
      const { subject, serial, sha256 } = action.bundle.leaf;
      const cert = `${subject} (serial ${serial}, sha256 ${sha256.slice(0, 16)})`;
      return action.type === 'writeCertificate'
        ? `write the certificate file of ${action.resource}: ${cert}`
        : `swap the certificate of ${action.resource} to ${cert} through the runtime API (no reload)`;
    }
    case 'removeCertificate':
      return `remove the certificate file of ${action.resource}`;
    default:
      return describeDaemonAction(HAPROXY, action);
  }
}
