import { forwardProxyKind } from '../../crds-equivalent/forward-proxy.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createForwardProxyController } from './index.js';
import { validateForwardProxySpec } from './spec.js';

/** Debian's squid package runs squid as proxy. */
const SQUID_USER = 'proxy';

export const forwardProxyModule: KindModule = {
  definition: forwardProxyKind,
  validateSpec: validateForwardProxySpec,
  createController: (host) => {
    const owner = host.systemUser(SQUID_USER);
    return createForwardProxyController({
      runner: host.runner,
      processes: host.processes,
      daemonDir: host.daemons.dir,
      user: { name: SQUID_USER, ...(owner ? { owner } : {}) },
      vpcCidrs: host.vpcCidrs,
      onShutdown: host.daemons.onShutdown,
    });
  },
};
