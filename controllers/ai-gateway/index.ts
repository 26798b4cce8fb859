import { DRAIN_MS } from '../../ai-gateway/config.js';
import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import { localModelKind } from '../../crds-equivalent/local-model.js';
import { secretKind } from '../../crds-equivalent/secret.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';
import { localModelConflicts } from '../local-model-common/admission.js';
import { validateLocalModelSpec } from '../local-model-common/spec.js';
import type { Controller } from '../../runtime/controller.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import { RevisionStore, type FileOwner } from '../../runtime/daemon/revisions.js';
import { DaemonSupervisor } from '../../runtime/daemon/supervisor.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { AI_GATEWAY_USER, aiGatewayDaemon } from './daemon.js';
import { decodeAiGateway } from './decode.js';
import { observeAiGateway, probeAiGateway } from './observe.js';
import { aiGatewayPaths } from './paths.js';
import { describeAction, planAiGateway } from './plan.js';
import { validateAiGatewaySpec, type AiGatewaySpec } from './spec.js';
import { aiGatewayConditions, aiGatewayDetails, aiGatewayWarnings } from './status.js';
import type { AiGatewayAction, AiGatewayDesired, AiGatewayObserved } from './types.js';

export interface AiGatewayOptions {
  /** Runs the data plane's --check, the readiness probe and /status (curl), in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** Parent of the gateway's config, cache, audit log, usage state and run files (default /var/lib/csgw). */
  daemonDir: string;
  /** The argv that runs csgw itself: [node, .../dist/cli/main.js]. */
  self: readonly string[];
  /** The account the data plane runs as; absent: the operator's own. It owns the gateway's files. */
  user?: { name: string; owner: FileOwner };
  vpcCidrs: readonly string[];
  /** Stop the gateway when the operator stops, or keep it serving for the next operator to adopt. */
  onShutdown: 'stop' | 'keep';
  crashPolicy?: CrashPolicy;
}

export function createAiGatewayController(
  opts: AiGatewayOptions,
): Controller<AiGatewaySpec, AiGatewayDesired, AiGatewayObserved, AiGatewayAction> {
  const paths = aiGatewayPaths(opts.daemonDir);
  const owner = opts.user?.owner;
  const store = new RevisionStore(paths.configRoot, owner);
  const definition = aiGatewayDaemon(paths, opts.self, opts.user?.name, opts.onShutdown);
  const supervisor = new DaemonSupervisor(definition, store, opts.processes, opts.runner, {
    stateDir: paths.runDir,
    // Streams in flight drain before the process exits, then counters and the audit log are flushed.
    stopTimeoutMs: DRAIN_MS + 5_000,
    ...(owner ? { owner } : {}),
    ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}),
  });
  const runsAs =
    opts.user?.name ?? `the operator's account (uid ${process.getuid?.() ?? '?'}): no user ${AI_GATEWAY_USER} here`;
  const localModels = new ResourceAdmission(validateLocalModelSpec, localModelConflicts);
  const facts = { paths, vpcCidrs: opts.vpcCidrs, localModels };
  return {
    kind: aiGatewayKind,
    watches: [secretKind, localModelKind],
    changes$: supervisor.changes$,
    validateSpec: validateAiGatewaySpec,
    decode: (snapshot) => decodeAiGateway(snapshot, facts),
    probe: () => probeAiGateway(supervisor, runsAs),
    observe: (signal) => observeAiGateway(supervisor, opts.runner, signal),
    plan: planAiGateway,
    apply: async (actions, signal) => {
      for (const action of actions) await supervisor.apply(action, signal);
    },
    describe: describeAction,
    details: aiGatewayDetails,
    warnings: aiGatewayWarnings,
    conditions: aiGatewayConditions,
    shutdown: () => supervisor.shutdown(),
  };
}
