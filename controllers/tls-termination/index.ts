import { Subject } from 'rxjs';
import { secretKind } from '../../crds-equivalent/secret.js';
import { tlsTerminationKind } from '../../crds-equivalent/tls-termination.js';
import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { Controller, ControllerEvent, ProbeResult } from '../../runtime/controller.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import { RevisionStore } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';
import { applyTls, type Rejections } from './apply.js';
import { CertificateFiles } from './cert-file.js';
import type { AcmCertificateTracker } from './certificate/types.js';
import { decodeTlsTerminations, listenerConflict, type LoadBalancerLookup } from './decode.js';
import { haproxyDaemon } from './haproxy-daemon.js';
import type { TlsModelFacts } from './model.js';
import { findHaproxy, observeTls } from './observe.js';
import { haproxyPaths } from './paths.js';
import { CertificateProblemEvents } from './problem-events.js';
import { describeAction, planTls } from './plan.js';
import { unixSocketRuntimeApi, type RuntimeApi } from './runtime-api.js';
import { validateTlsTerminationSpec, type TlsTerminationSpec } from './spec.js';
import { tlsConditions, tlsDetails } from './status.js';
import type { TlsAction, TlsDesired, TlsObserved } from './types.js';

export interface TlsTerminationOptions {
  /** Runs haproxy's check and the readiness probe, in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** Parent of HAProxy's config, certificates and sockets (default /var/lib/csgw). */
  daemonDir: string;
  /** The account HAProxy drops to, when it exists on this host. */
  user?: string;
  onShutdown: 'stop' | 'keep';
  acm: AcmCertificateTracker;
  /** The LoadBalancer kind and how to find a resource's listener: `loadBalancer` backends need both. */
  loadBalancers?: { kind: KindDefinition; lookup: LoadBalancerLookup };
  /** The runtime API client (default: the admin socket under daemonDir). */
  api?: RuntimeApi;
  now?: () => Date;
  crashPolicy?: CrashPolicy;
}

type TlsController = Controller<TlsTerminationSpec, TlsDesired, TlsObserved, TlsAction>;

export function createTlsTerminationController(opts: TlsTerminationOptions): TlsController {
  const paths = haproxyPaths(opts.daemonDir);
  const supervisor = new DaemonSupervisor(
    haproxyDaemon(paths, opts.onShutdown),
    new RevisionStore(paths.configRoot),
    opts.processes,
    opts.runner,
    { stateDir: paths.runDir, ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}) },
  );
  const files = new CertificateFiles(paths.certDir);
  const api = opts.api ?? unixSocketRuntimeApi(paths.adminSocket);
  const facts: TlsModelFacts = { paths, files, ...(opts.user ? { user: opts.user } : {}) };
  const admission = new ResourceAdmission(validateTlsTerminationSpec, listenerConflict);
  const rejections: Rejections = new Map();
  const events = new Subject<ControllerEvent>();
  const tracked = new Set<string>();
  const problemEvents = new CertificateProblemEvents();
  // Set by probe: why haproxy cannot run here. Only a resource that can be served makes that a problem.
  let unavailable: TlsObserved['unavailable'];
  const observePorts = { supervisor, files, api, acm: opts.acm, rejections };
  return {
    kind: tlsTerminationKind,
    watches: [secretKind, ...(opts.loadBalancers ? [opts.loadBalancers.kind] : [])],
    changes$: supervisor.changes$,
    events$: events.asObservable(),
    validateSpec: validateTlsTerminationSpec,
    decode: (snapshot) => decodeTlsTerminations(snapshot, admission, opts.loadBalancers?.lookup),
    async probe(signal): Promise<ProbeResult> {
      const found = await findHaproxy(opts.runner, signal);
      unavailable = 'reason' in found ? found : undefined;
      if (!unavailable) await supervisor.adopt();
      const haproxy = 'version' in found ? `haproxy ${found.version}` : found.message;
      return { ok: true, reason: 'Probed', message: haproxy, details: { haproxy } };
    },
    async observe(signal, { desired }) {
      const { targets } = desired.spec;
      // A resource that is gone is no longer followed in ACM.
      for (const name of tracked) if (!targets.some((t) => t.name === name)) opts.acm.forget(name);
      tracked.clear();
      for (const t of targets) tracked.add(t.name);
      const observed = await observeTls(
        { ...observePorts, now: opts.now ?? (() => new Date()) },
        targets,
        unavailable,
        signal,
      );
      for (const event of problemEvents.events(observed.certificates)) events.next(event);
      return observed;
    },
    plan: (desired, observed) => planTls(desired, observed, facts),
    apply: (actions, signal) => applyTls(actions, { supervisor, files, api, rejections, events }, signal),
    describe: describeAction,
    details: (desired, observed) => tlsDetails(desired, observed, facts),
    warnings: () => [],
    conditions: (desired, observed) => tlsConditions(desired, observed, facts),
    async shutdown() {
      events.complete();
      await supervisor.shutdown();
    },
  };
}
