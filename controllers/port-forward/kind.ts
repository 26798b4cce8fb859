import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createPortForwardController } from './index.js';
import { validatePortForwardSpec } from './spec.js';

export const portForwardModule: KindModule = {
  definition: portForwardKind,
  validateSpec: validatePortForwardSpec,
  createController: (host) =>
    createPortForwardController({
      ports: { nft: host.nft, sysctl: host.sysctl },
      ...(host.limits.portForwards ? { maxRules: host.limits.portForwards } : {}),
    }),
};
