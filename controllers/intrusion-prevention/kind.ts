import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createIntrusionPreventionController } from './index.js';
import { validateIntrusionPreventionSpec } from './spec.js';

export const intrusionPreventionModule: KindModule = {
  definition: intrusionPreventionKind,
  validateSpec: validateIntrusionPreventionSpec,
  createController: (host) =>
    createIntrusionPreventionController({
      nft: host.nft,
      runner: host.runner,
      processes: host.processes,
      daemonDir: host.daemons.dir,
      vpcCidrs: host.vpcCidrs,
      onShutdown: host.daemons.onShutdown,
    }),
};
