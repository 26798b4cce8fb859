import { localModelKind } from '../../crds-equivalent/local-model.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { validateLocalModelSpec } from '../local-model-common/spec.js';
import { VLLM_USER } from './daemon.js';
import { createLocalModelController } from './index.js';

export const localModelModule: KindModule = {
  definition: localModelKind,
  validateSpec: validateLocalModelSpec,
  createController: (host) => {
    const owner = host.systemUser(VLLM_USER);
    return createLocalModelController({
      runner: host.runner,
      processes: host.processes,
      inference: host.localInference,
      daemonDir: host.daemons.dir,
      ...(owner ? { user: { name: VLLM_USER, owner } } : {}),
      onShutdown: host.daemons.onShutdown,
    });
  },
};
