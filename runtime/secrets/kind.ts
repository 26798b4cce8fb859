import { secretKind } from '../../crds-equivalent/secret.js';
import type { KindModule } from '../kind-module.js';
import { validateSecretSpec } from './secret.js';

/** Referred to by the controllers that need credentials (ForwardProxy today); no controller of its own. */
export const secretModule: KindModule = { definition: secretKind, validateSpec: validateSecretSpec };
