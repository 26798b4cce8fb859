import type { KindDefinition } from '../crds-equivalent/index.js';
import type { Validation } from '../runtime/spec-validation.js';
import { validateAzRoutesSpec } from './az-routes/spec.js';
import { validateElasticIpSpec } from './elastic-ip/spec.js';
import { validateFirewallPolicySpec } from './firewall/spec.js';
import { validatePortForwardSpec } from './port-forward/spec.js';
import { validateSourceDestCheckSpec } from './source-dest-check/spec.js';
import { validateSourceNatSpec } from './source-nat/spec.js';

/** Spec validation per kind, without any ports: shared by the controllers and `csgw apply`. */
const validators: Record<string, (raw: unknown) => Validation<unknown>> = {
  SourceNat: validateSourceNatSpec,
  PortForward: validatePortForwardSpec,
  FirewallPolicy: validateFirewallPolicySpec,
  SourceDestCheck: validateSourceDestCheckSpec,
  ElasticIp: validateElasticIpSpec,
  AzRoutes: validateAzRoutesSpec,
};

export function validateResourceSpec(kind: KindDefinition, raw: unknown): Validation<unknown> {
  const validate = validators[kind.kind];
  return validate ? validate(raw) : { ok: false, errors: [`no controller handles kind ${kind.kind}`] };
}
