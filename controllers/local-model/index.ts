import { localModelKind } from '../../crds-equivalent/local-model.js';
import type { Controller } from '../../runtime/controller.js';
import type { CrashPolicy } from '../../runtime/daemon/crash-history.js';
import type { FileOwner } from '../../runtime/daemon/revisions.js';
import type { ProcessPort } from '../../runtime/daemon/types.js';
import type { LocalInferencePorts } from '../../runtime/local-inference.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { ResourceAdmission } from '../../runtime/resource-admission.js';
import { localModelConflicts } from '../local-model-common/admission.js';
import { validateLocalModelSpec, type LocalModelSpec } from '../local-model-common/spec.js';
import { decodeLocalModels } from './decode.js';
import { ModelFleet } from './fleet.js';
import { observeLocalModels } from './observe.js';
import { describeLocalModelAction, planLocalModels } from './plan.js';
import { localModelConditions, localModelDetails, localModelWarnings } from './status.js';
import type { LocalModelAction, LocalModelDesired, LocalModelObserved } from './types.js';

export interface LocalModelOptions {
  runner: CommandRunner;
  processes: ProcessPort;
  inference: LocalInferencePorts;
  daemonDir: string;
  user?: { name: string; owner: FileOwner };
  onShutdown: 'stop' | 'keep';
  crashPolicy?: CrashPolicy;
}

/**
 * LocalModel: vLLM servers through the daemon kit, one per resource. Without a GPU (NoGpu) or without the vllm
 * executable (NotInstalled) the probe fails and the controller is inert, as other controllers are without their
 * kernel feature; the AI gateway's local routes then fail before the first token and follow their overflow policy.
 */
export function createLocalModelController(
  opts: LocalModelOptions,
): Controller<LocalModelSpec, LocalModelDesired, LocalModelObserved, LocalModelAction> {
  const admission = new ResourceAdmission(validateLocalModelSpec, localModelConflicts);
  const fleet = new ModelFleet({
    daemonDir: opts.daemonDir,
    command: opts.inference.command,
    processes: opts.processes,
    runner: opts.runner,
    weights: opts.inference.weights,
    onShutdown: opts.onShutdown,
    ...(opts.user ? { user: opts.user } : {}),
    ...(opts.crashPolicy ? { crashPolicy: opts.crashPolicy } : {}),
  });
  let gpu = 'not probed';
  return {
    kind: localModelKind,
    changes$: fleet.changes$,
    validateSpec: validateLocalModelSpec,
    decode: (snapshot) => decodeLocalModels(snapshot, admission, opts.daemonDir),
    probe: async (signal) => {
      const found = await opts.inference.host.gpu(signal);
      gpu = found.detail;
      const program = opts.inference.command[0]!;
      const executable = await opts.inference.host.executable(program);
      const details = { gpu: found.detail, vllm: executable ?? `${program}: not found` };
      if (!found.found)
        return {
          ok: false,
          reason: 'NoGpu',
          message: `no GPU on this instance (${found.detail}): local models cannot run here`,
          details,
        };
      if (!executable)
        return {
          ok: false,
          reason: 'NotInstalled',
          message: `vLLM is not installed: ${program} is not an executable on PATH`,
          details,
        };
      await fleet.adopt();
      return { ok: true, reason: 'Probed', message: `GPU: ${found.detail}; vLLM: ${executable}`, details };
    },
    observe: (signal, { desired }) => observeLocalModels(fleet, desired.spec, opts.runner, gpu, signal),
    plan: planLocalModels,
    apply: (actions) => {
      for (const action of actions) fleet.start(action);
      return Promise.resolve();
    },
    describe: describeLocalModelAction,
    details: localModelDetails,
    warnings: localModelWarnings,
    conditions: localModelConditions,
    shutdown: () => fleet.shutdown(),
  };
}
