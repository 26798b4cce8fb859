import type { KindDefinition } from './types.js';
import { aiGatewayKind } from './ai-gateway.js';
import { azRoutesKind } from './az-routes.js';
import { domainFilterKind } from './domain-filter.js';
import { elasticIpKind } from './elastic-ip.js';
import { firewallPolicyKind } from './firewall-policy.js';
import { forwardProxyKind } from './forward-proxy.js';
import { intrusionPreventionKind } from './intrusion-prevention.js';
import { loadBalancerKind } from './load-balancer.js';
import { localModelKind } from './local-model.js';
import { portForwardKind } from './port-forward.js';
import { ruleSetKind } from './rule-set.js';
import { secretKind } from './secret.js';
import { sourceDestCheckKind } from './source-dest-check.js';
import { sourceNatKind } from './source-nat.js';
import { tlsTerminationKind } from './tls-termination.js';

export type { KindDefinition, KindScope, PrinterColumn } from './types.js';

/**
 * Every kind the operator knows, as CRD documents: paths, CLI names and columns, schema, example. Each is registered
 * once more, with its validation and controller factory, in its kind module (composition/kinds.ts lists them in this
 * order; a test keeps the two lists equal).
 */
export const kinds: readonly KindDefinition[] = [
  sourceNatKind,
  portForwardKind,
  loadBalancerKind,
  firewallPolicyKind,
  // Referenced kinds before those referring to them: a first listing then decodes the proxy with its filters, and
  // the AI gateway with its Secrets.
  secretKind,
  domainFilterKind,
  forwardProxyKind,
  // After the Secrets and LoadBalancers it refers to.
  tlsTerminationKind,
  ruleSetKind,
  intrusionPreventionKind,
  // Before the AI gateway, which routes local/<name> to them.
  localModelKind,
  aiGatewayKind,
  sourceDestCheckKind,
  elasticIpKind,
  azRoutesKind,
];

/** Finds a kind by its name, plural or alias, case-insensitively. */
export function findKind(nameOrAlias: string): KindDefinition | undefined {
  const key = nameOrAlias.toLowerCase();
  return kinds.find((k) => k.kind.toLowerCase() === key || k.plural === key || k.aliases.includes(key));
}

/** Finds a kind by the path segment it is stored under (its plural). */
export function kindByPlural(plural: string): KindDefinition | undefined {
  return kinds.find((k) => k.plural === plural);
}
