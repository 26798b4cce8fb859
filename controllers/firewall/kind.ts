import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { createFirewallController } from './index.js';
import { validateFirewallPolicySpec } from './spec.js';

export const firewallPolicyModule: KindModule = {
  definition: firewallPolicyKind,
  validateSpec: validateFirewallPolicySpec,
  createController: (host) =>
    createFirewallController({
      ports: { nft: host.nft },
      ...(host.limits.firewallRules ? { maxRules: host.limits.firewallRules } : {}),
    }),
};
