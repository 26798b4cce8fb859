import { availableParallelism } from 'node:os';
import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import { ruleSetKind } from '../../crds-equivalent/rule-set.js';
import type { Controller, ProbeResult } from '../../runtime/controller.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import { RevisionStore } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { CommandRunner, NftPort } from '../../runtime/ports.js';
import { applyIntrusionPrevention } from './apply.js';
import { decodeIntrusionPrevention } from './decode.js';
import { EveLogReader } from './eve-log.js';
import { EveMonitor } from './eve-monitor.js';
import type { IpsFacts } from './facts.js';
import type { ReadOptionalFile } from './nfqueue-stats.js';
import { observeIntrusionPrevention } from './observe.js';
import { ipsPaths } from './paths.js';
import { describeAction, planIntrusionPrevention } from './plan.js';
import {
  DEBIAN_LAYOUT,
  NO_PACKAGED_RULES,
  probeQueuePort,
  readPackagedRules,
  suricataVersion,
  type PackageLayout,
} from './probe.js';
import type { QueuePort } from './queue-port.js';
import { validateIntrusionPreventionSpec, type IntrusionPreventionSpec } from './spec.js';
import { ipsConditions, ipsDetails } from './status.js';
import { suricataDaemon } from './suricata-daemon.js';
import type { IpsAction, IpsDesired, IpsObserved } from './types.js';

export interface IntrusionPreventionOptions {
  nft: NftPort;
  /** Runs iptables-nft, suricata's check and suricatasc, in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** Parent of Suricata's config, logs and socket (default /var/lib/csgw). */
  daemonDir: string;
  vpcCidrs: readonly string[];
  onShutdown: 'stop' | 'keep';
  layout?: PackageLayout;
  cores?: number;
  clock?: () => number;
  crashPolicy?: CrashPolicy;
}

type IpsController = Controller<IntrusionPreventionSpec, IpsDesired, IpsObserved, IpsAction>;

export function createIntrusionPreventionController(opts: IntrusionPreventionOptions): IpsController {
  const { paths, store, supervisor, eve } = parts(opts);
  // Set by probe: the queue mechanism, what the package ships, or why Suricata cannot run here.
  let queue: QueuePort | undefined;
  let unavailable: IpsObserved['unavailable'];
  let packaged = NO_PACKAGED_RULES;
  const facts: IpsFacts = {
    paths,
    revisionDir: (hash) => store.dirFor(hash),
    vpcCidrs: opts.vpcCidrs,
    cores: opts.cores ?? availableParallelism(),
    packaged: () => packaged,
  };
  const readOptional = readThrough(opts.runner);
  return {
    kind: intrusionPreventionKind,
    watches: [domainFilterKind, ruleSetKind],
    changes$: supervisor.changes$,
    events$: eve.events$,
    validateSpec: validateIntrusionPreventionSpec,
    decode: (snapshot) => decodeIntrusionPrevention(snapshot, facts),
    async probe(signal): Promise<ProbeResult> {
      const found = await probeHost(opts, signal);
      ({ queue, unavailable } = found);
      if (found.version) {
        packaged = await readPackagedRules(opts.layout ?? DEBIAN_LAYOUT);
        await supervisor.adopt();
        eve.start();
      }
      const details = { suricata: found.version ?? 'not installed', mechanism: queue?.mechanism ?? 'none' };
      return { ok: true, reason: 'Probed', message: `suricata ${details.suricata}, ${details.mechanism}`, details };
    },
    observe: (signal, { desired }) =>
      observeIntrusionPrevention(
        {
          supervisor,
          eve,
          runner: opts.runner,
          readOptional,
          socket: paths.socket,
          eveLog: paths.eveLog,
          ...(queue ? { queue } : {}),
        },
        desired.spec.queue,
        unavailable,
        signal,
      ),
    plan: planIntrusionPrevention,
    apply: (actions, signal) =>
      applyIntrusionPrevention(actions, { supervisor, eve, paths, ...(queue ? { queue } : {}) }, signal),
    describe: describeAction,
    details: ipsDetails,
    warnings: () => [],
    conditions: ipsConditions,
    async shutdown() {
      eve.stop();
      await supervisor.shutdown();
    },
  };
}

/** Suricata under the kit, its revisions and the eve.json tail: what outlives a reconcile pass. */
function parts(opts: IntrusionPreventionOptions) {
  const paths = ipsPaths(opts.daemonDir);
  const store = new RevisionStore(paths.configRoot);
  const supervisor = new DaemonSupervisor(suricataDaemon(paths, opts.onShutdown), store, opts.processes, opts.runner, {
    stateDir: paths.runDir,
    ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}),
  });
  const eve = new EveMonitor(new EveLogReader(paths.eveLog, { startAtEnd: true }), opts.clock ?? Date.now);
  return { paths, store, supervisor, eve };
}

/** Reads a file in the managed namespace (/proc/net is per namespace); undefined when it cannot be read. */
function readThrough(runner: CommandRunner): ReadOptionalFile {
  return async (path) => {
    const result = await runner.run('cat', [path], { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    return result?.exitCode === 0 ? result.stdout : undefined;
  };
}

/** Suricata's version and the queue mechanism, or why the IPS cannot run here (only a problem once it is wanted). */
async function probeHost(
  opts: IntrusionPreventionOptions,
  signal: AbortSignal,
): Promise<{ version?: string; queue?: QueuePort; unavailable?: IpsObserved['unavailable'] }> {
  const version = await suricataVersion(opts.runner, signal);
  const found = await probeQueuePort(opts.nft, opts.runner, signal);
  const queue = 'missing' in found ? undefined : found;
  const unavailable = !version
    ? { reason: 'DaemonNotInstalled', message: 'suricata is not installed on this host (Debian package suricata)' }
    : 'missing' in found
      ? { reason: 'KernelFeatureMissing', message: `no NFQUEUE mechanism: ${found.missing}` }
      : undefined;
  return { ...(version ? { version } : {}), ...(queue ? { queue } : {}), ...(unavailable ? { unavailable } : {}) };
}
