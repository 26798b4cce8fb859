import type { KindDefinition } from '../crds-equivalent/index.js';
import type { Validation } from '../runtime/spec-validation.js';
import { validateAzRoutesSpec } from './az-routes/spec.js';
import { validateElasticIpSpec } from './elastic-ip/spec.js';
import { validateDomainFilterSpec } from '../policy/domains/spec.js';
import { validateSecretSpec } from '../runtime/secrets/secret.js';
import { validateFirewallPolicySpec } from './firewall/spec.js';
import { validateForwardProxySpec } from './forward-proxy/spec.js';
import { validatePortForwardSpec } from './port-forward/spec.js';
import { validateSourceDestCheckSpec } from './source-dest-check/spec.js';
import { validateSourceNatSpec } from './source-nat/spec.js';

/** Spec validation per kind, without any ports: shared by the controllers and `csgw apply`. */
const validators: Record<string, (raw: unknown) => Validation<unknown>> = {
  SourceNat: validateSourceNatSpec,
  PortForward: validatePortForwardSpec,
  FirewallPolicy: validateFirewallPolicySpec,
  ForwardProxy: validateForwardProxySpec,
  DomainFilter: validateDomainFilterSpec,
  Secret: validateSecretSpec,
  SourceDestCheck: validateSourceDestCheckSpec,
  ElasticIp: validateElasticIpSpec,
  AzRoutes: validateAzRoutesSpec,
};

export function validateResourceSpec(kind: KindDefinition, raw: unknown): Validation<unknown> {
  const validate = validators[kind.kind];
  return validate ? validate(raw) : { ok: false, errors: [`no controller handles kind ${kind.kind}`] };
}
