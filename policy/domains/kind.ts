import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import type { KindModule } from '../../runtime/kind-module.js';
import { validateDomainFilterSpec } from './spec.js';

/** Referred to by the controllers that enforce it (ForwardProxy today); no controller of its own. */
export const domainFilterModule: KindModule = { definition: domainFilterKind, validateSpec: validateDomainFilterSpec };
