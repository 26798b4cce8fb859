import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createSourceNatController } from './index.js';
import { validateSourceNatSpec } from './spec.js';

export const sourceNatModule: KindModule = {
  definition: sourceNatKind,
  validateSpec: validateSourceNatSpec,
  createController: (host) =>
    createSourceNatController({
      ports: { nft: host.nft, sysctl: host.sysctl, hostNet: host.hostNet },
      vpcCidrs: host.vpcCidrs,
    }),
};
