import { aiGatewayKind } from '../../crds-equivalent/ai-gateway.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { AI_GATEWAY_USER } from './daemon.js';
import { createAiGatewayController } from './index.js';
import { validateAiGatewaySpec } from './spec.js';

export const aiGatewayModule: KindModule = {
  definition: aiGatewayKind,
  validateSpec: validateAiGatewaySpec,
  createController: (host) => {
    const owner = host.systemUser(AI_GATEWAY_USER);
    return createAiGatewayController({
      runner: host.runner,
      processes: host.processes,
      daemonDir: host.daemons.dir,
      self: host.self,
      ...(owner ? { user: { name: AI_GATEWAY_USER, owner } } : {}),
      vpcCidrs: host.vpcCidrs,
      onShutdown: host.daemons.onShutdown,
    });
  },
};
