import { localModelKind } from '../../crds-equivalent/local-model.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';

export type ExtraArgValue = string | number | boolean;

/** The spec after schema validation (defaults applied). */
export interface LocalModelSpec {
  servedName?: string;
  weights: { path?: string; s3Uri?: string; s3Region?: string };
  task: 'generate' | 'embed';
  port: number;
  tensorParallelSize: number;
  gpuMemoryUtilization: number;
  maxModelLen?: number;
  dtype: string;
  maxNumSeqs: number;
  extraArgs: Record<string, ExtraArgValue>;
  overflow: {
    policy: 'queue' | 'spill' | 'reject';
    fallback?: string;
    maxConcurrency?: number;
    maxServerWaiting?: number;
    queue: { maxSize: number; maxWaitSeconds: number };
    firstTokenTimeoutSeconds: number;
  };
}

const validator = new SpecValidator([localModelKind]);

/** The schema, then what it cannot say: exactly one source of weights, and no relative parts in a path. */
export function validateLocalModelSpec(raw: unknown): Validation<LocalModelSpec> {
  const result = validator.validate<LocalModelSpec>(localModelKind, raw);
  if (!result.ok) return result;
  const { weights, extraArgs } = result.value;
  const errors: string[] = [];
  if ((weights.path === undefined) === (weights.s3Uri === undefined))
    errors.push('spec.weights: exactly one of path or s3Uri');
  if (weights.path !== undefined && weights.s3Region !== undefined)
    errors.push('spec.weights: s3Region goes with s3Uri only');
  const paths = { 'spec.weights.path': weights.path };
  for (const [field, value] of Object.entries({ ...paths, 'spec.extraArgs.chat-template': extraArgs['chat-template'] }))
    if (typeof value === 'string' && value.split('/').some((part) => part === '..' || part === '.'))
      errors.push(`${field}: an absolute path without . or .. parts`);
  return errors.length > 0 ? { ok: false, errors } : result;
}

/** The name clients use after `local/`: the spec's, else the resource's. */
export function servedNameOf(resource: string, spec: LocalModelSpec): string {
  return spec.servedName ?? resource;
}
