import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import { tlsTerminationKind } from '../../crds-equivalent/tls-termination.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createAcmCertificateTracker } from './certificate/tracker.js';
import { createTlsTerminationController } from './index.js';
import { loadBalancerLookup } from './load-balancer-backend.js';
import { validateTlsTerminationSpec } from './spec.js';

/** Debian's haproxy package runs haproxy as haproxy. */
const HAPROXY_USER = 'haproxy';

export const tlsTerminationModule: KindModule = {
  definition: tlsTerminationKind,
  validateSpec: validateTlsTerminationSpec,
  // Without AWS, host.awsApis fails every call inert: an ACM-backed resource then waits with the reason in status,
  // and Secret-backed ones serve as usual.
  createController: (host) =>
    createTlsTerminationController({
      runner: host.runner,
      processes: host.processes,
      daemonDir: host.daemons.dir,
      ...(host.systemUser(HAPROXY_USER) ? { user: HAPROXY_USER } : {}),
      onShutdown: host.daemons.onShutdown,
      acm: createAcmCertificateTracker({ acm: host.awsApis.acm, clock: () => new Date() }),
      loadBalancers: { kind: loadBalancerKind, lookup: loadBalancerLookup(loadBalancerKind.kind) },
    }),
};
