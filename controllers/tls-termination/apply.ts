import type { Subject } from 'rxjs';
import type { ControllerEvent } from '../../runtime/controller.js';
import type { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CertificateFiles, PemBundle } from './cert-file.js';
import { swapCertificate } from './cert-swap.js';
import type { RuntimeApi } from './runtime-api.js';
import type { TlsAction } from './types.js';

/** Swaps HAProxy refused, by resource, while that certificate is still the one wanted (observe drops stale ones). */
export type Rejections = Map<string, { sha256: string; message: string }>;

export interface ApplyPorts {
  supervisor: DaemonSupervisor;
  files: CertificateFiles;
  api: RuntimeApi;
  rejections: Rejections;
  events: Subject<ControllerEvent>;
}

/** In plan order. A refused swap is not a failed apply: the old certificate serves, status and an event say why. */
export async function applyTls(actions: readonly TlsAction[], ports: ApplyPorts, signal: AbortSignal): Promise<void> {
  for (const action of actions) {
    if (action.type === 'writeCertificate') await ports.files.write(action.resource, action.bundle);
    else if (action.type === 'swapCertificate') await swap(ports, action.resource, action.bundle, signal);
    else if (action.type === 'removeCertificate') await ports.files.remove(action.resource);
    else await ports.supervisor.apply(action, signal);
  }
}

async function swap(ports: ApplyPorts, resource: string, bundle: PemBundle, signal: AbortSignal): Promise<void> {
  const { subject, serial, sha256, notAfter } = bundle.leaf;
  const outcome = await swapCertificate(ports.api, ports.files.pathOf(resource), bundle.pem, signal);
  if (!outcome.ok) {
    ports.rejections.set(resource, { sha256, message: outcome.message });
    ports.events.next({
      type: 'Warning',
      reason: 'CertificateRejected',
      resource,
      message: `HAProxy refused the certificate ${subject} (serial ${serial}); the previous one keeps serving: ${outcome.message}`,
    });
    return;
  }
  ports.rejections.delete(resource);
  // What a later start or reload loads: written only once HAProxy took it.
  await ports.files.write(resource, bundle);
  ports.events.next({
    type: 'Normal',
    reason: 'CertificateRotated',
    resource,
    message: `now serving ${subject} (serial ${serial}, sha256 ${sha256}, until ${notAfter}) without a reload`,
  });
}
