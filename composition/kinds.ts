import { createIpvsAdapter } from '../adapters/ipvs.js';
import { aiGatewayModule } from '../controllers/ai-gateway/kind.js';
import { firewallPolicyModule } from '../controllers/firewall/kind.js';
import { forwardProxyModule } from '../controllers/forward-proxy/kind.js';
import { intrusionPreventionModule } from '../controllers/intrusion-prevention/kind.js';
import { ruleSetModule } from '../controllers/intrusion-prevention/rule-set.js';
import { localModelModule } from '../controllers/local-model/kind.js';
import { azRoutesModule } from '../controllers/az-routes/kind.js';
import { elasticIpModule } from '../controllers/elastic-ip/kind.js';
import { loadBalancerModule } from '../controllers/load-balancer/kind.js';
import { portForwardModule } from '../controllers/port-forward/kind.js';
import { sourceDestCheckModule } from '../controllers/source-dest-check/kind.js';
import { sourceNatModule } from '../controllers/source-nat/kind.js';
import { tlsTerminationModule } from '../controllers/tls-termination/kind.js';
import type { KindDefinition } from '../crds-equivalent/index.js';
import { domainFilterModule } from '../policy/domains/kind.js';
import type { KindModule } from '../runtime/kind-module.js';
import { secretModule } from '../runtime/secrets/kind.js';
import type { Validation } from '../runtime/spec-validation.js';

/**
 * Every kind, registered once: definition, validation and controller factory come from the kind's own module. The
 * order is crds-equivalent's `kinds` order (a test keeps the two equal): referenced kinds before those referring to
 * them.
 */
export const kindModules: readonly KindModule[] = [
  sourceNatModule,
  portForwardModule,
  loadBalancerModule({ ipvs: createIpvsAdapter }),
  firewallPolicyModule,
  secretModule,
  domainFilterModule,
  forwardProxyModule,
  tlsTerminationModule,
  ruleSetModule,
  intrusionPreventionModule,
  localModelModule,
  aiGatewayModule,
  sourceDestCheckModule,
  elasticIpModule,
  azRoutesModule,
];

/** Spec validation of any kind, without ports: `csgw apply` validates exactly as the operator decodes. */
export function validateResourceSpec(kind: KindDefinition, raw: unknown): Validation<unknown> {
  const module = kindModules.find((m) => m.definition.kind === kind.kind);
  return module ? module.validateSpec(raw) : { ok: false, errors: [`no controller handles kind ${kind.kind}`] };
}
