import type { CertificateMaterial } from '../../runtime/aws/api-ports.js';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CommandRunner } from '../../runtime/ports.js';
import type { Rejections } from './apply.js';
import { PemBundle, type CertificateFiles } from './cert-file.js';
import { servedCertificate } from './cert-swap.js';
import { inspectCertificate, isCertificateProblem } from './certificate/inspect.js';
import type { AcmCertificateTracker } from './certificate/types.js';
import { HAPROXY } from './haproxy-daemon.js';
import type { RuntimeApi } from './runtime-api.js';
import type { CertificateObservation, TerminationTarget, TlsObserved } from './types.js';

export interface ObservePorts {
  supervisor: DaemonSupervisor;
  files: CertificateFiles;
  api: RuntimeApi;
  acm: AcmCertificateTracker;
  rejections: Rejections;
  now: () => Date;
}

type Wanted = Pick<CertificateObservation, 'wanted' | 'problem'>;

/** HAProxy, and for every resource the certificate wanted, the one on disk and the one HAProxy presents. */
export async function observeTls(
  ports: ObservePorts,
  targets: readonly TerminationTarget[],
  unavailable: TlsObserved['unavailable'],
  signal: AbortSignal,
): Promise<TlsObserved> {
  const daemon = await ports.supervisor.observe(signal);
  const running = daemon.phase === 'running';
  const certificates: CertificateObservation[] = [];
  for (const t of targets) {
    const { wanted, problem } = await wantedCertificate(ports, t, signal);
    const path = ports.files.pathOf(t.name);
    const served = running ? await servedCertificate(ports.api, path, signal) : undefined;
    const file = await ports.files.read(t.name);
    const rejected = ports.rejections.get(t.name);
    const stale = !rejected || rejected.sha256 !== wanted?.leaf.sha256;
    if (stale) ports.rejections.delete(t.name);
    certificates.push({
      resource: t.name,
      source: 'acm' in t.certificate ? 'acm' : 'secret',
      ...(wanted ? { wanted } : {}),
      ...(problem ? { problem } : {}),
      ...(file ? { file } : {}),
      ...(served ? { served } : {}),
      ...(rejected && !stale ? { rejected } : {}),
    });
  }
  return { daemon, certificates, certificateFiles: await ports.files.list(), ...(unavailable ? { unavailable } : {}) };
}

/** The certificate to serve now, checked; or why there is none (a failed export keeps the last good one). */
async function wantedCertificate(ports: ObservePorts, t: TerminationTarget, signal: AbortSignal): Promise<Wanted> {
  const origin = t.certificate;
  if ('unresolved' in origin) return { problem: { reason: 'SecretUnresolved', message: origin.unresolved } };
  if ('secret' in origin) {
    const checked = inspectCertificate(origin.secret.material.material, ports.now());
    if (isCertificateProblem(checked))
      return { problem: { reason: checked.reason, message: `Secret ${origin.secret.name}: ${checked.message}` } };
    return bundle(checked.material);
  }
  const { arn, renewalCheckSeconds } = origin.acm;
  const state = await ports.acm.current(t.name, arn, renewalCheckSeconds, signal);
  const last = state.certificate ? bundle(state.certificate.material) : {};
  if (state.error) return { ...('wanted' in last ? { wanted: last.wanted } : {}), problem: state.error };
  if (!state.certificate)
    return { problem: { reason: 'WaitingForCertificate', message: `no certificate exported yet from ${arn}` } };
  return last;
}

function bundle(material: CertificateMaterial): Wanted {
  try {
    return { wanted: PemBundle.of(material) };
  } catch (err) {
    return {
      problem: { reason: 'CertificateInvalid', message: `the certificate does not parse: ${(err as Error).message}` },
    };
  }
}

/** haproxy's version, or why it cannot run here. */
export async function findHaproxy(
  runner: CommandRunner,
  signal: AbortSignal,
): Promise<{ version: string } | { reason: string; message: string }> {
  const result = await runner.run(HAPROXY, ['-v'], { signal }).catch(() => undefined);
  if (!result || result.exitCode !== 0)
    return { reason: 'DaemonNotInstalled', message: 'haproxy is not installed on this host (Debian package haproxy)' };
  return { version: /version (\S+)/i.exec(result.stdout)?.[1] ?? 'unknown' };
}
