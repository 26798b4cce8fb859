import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import { secretKind } from '../../crds-equivalent/secret.js';
import type { Controller, ProbeResult } from '../../runtime/controller.js';
import { RevisionStore, type FileOwner } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { AccessLogReader } from './access-log.js';
import { decodeForwardProxy } from './decode.js';
import { proxyConditions, proxyDetails } from './status.js';
import { applyForwardProxy } from './apply.js';
import { observeForwardProxy, probeForwardProxy } from './observe.js';
import { proxyPaths } from './paths.js';
import { describeAction, planForwardProxy } from './plan.js';
import { validateForwardProxySpec, type ForwardProxySpec } from './spec.js';
import { squidDaemon } from './squid-daemon.js';
import type { ForwardProxyAction, ForwardProxyDesired, ForwardProxyObserved } from './types.js';

export interface ForwardProxyOptions {
  /** Runs squid's own commands (parse, reconfigure, rotate) and the health probe, in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** Parent of the proxy's config, cache, logs and pid (default /var/lib/csgw). */
  daemonDir: string;
  /** The account squid drops to; its files are owned by it. */
  user: { name: string; owner?: FileOwner };
  vpcCidrs: readonly string[];
  /** Stop squid when the operator stops, or keep it serving for the next operator to adopt. */
  onShutdown: 'stop' | 'keep';
  crashPolicy?: CrashPolicy;
}

export function createForwardProxyController(
  opts: ForwardProxyOptions,
): Controller<ForwardProxySpec, ForwardProxyDesired, ForwardProxyObserved, ForwardProxyAction> {
  const paths = proxyPaths(opts.daemonDir);
  const store = new RevisionStore(paths.configRoot, opts.user.owner);
  const definition = squidDaemon(paths, opts.user.name, opts.onShutdown);
  const supervisor = new DaemonSupervisor(definition, store, opts.processes, opts.runner, {
    stateDir: paths.runDir,
    ...(opts.user.owner ? { owner: opts.user.owner } : {}),
    ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}),
  });
  const accessLog = new AccessLogReader(paths.accessLog);
  // Set by probe: why squid cannot run here. Only a proxy that is enabled makes that a problem.
  let unavailable: ForwardProxyObserved['unavailable'];
  const facts = {
    paths,
    user: opts.user.name,
    revisionDir: (hash: string) => store.dirFor(hash),
    vpcCidrs: opts.vpcCidrs,
  };
  return {
    kind: forwardProxyKind,
    watches: [domainFilterKind, secretKind],
    changes$: supervisor.changes$,
    validateSpec: validateForwardProxySpec,
    decode: (snapshot) => decodeForwardProxy(snapshot, facts),
    async probe(signal): Promise<ProbeResult> {
      const probed = await probeForwardProxy(opts.runner, opts.user, supervisor, signal);
      unavailable = probed.unavailable;
      return probed.result;
    },
    observe: (signal) => observeForwardProxy(supervisor, accessLog, unavailable, signal),
    plan: planForwardProxy,
    apply: (actions, signal) => applyForwardProxy(actions, { supervisor, accessLog, paths }, signal),
    describe: describeAction,
    details: proxyDetails,
    warnings: () => [],
    conditions: proxyConditions,
    shutdown: () => supervisor.shutdown(),
  };
}
