import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { AnyController, DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { parseSpecJson, type Validation } from '../../runtime/spec-validation.js';

/**
 * Stands in for an EC2 controller on a node without an EC2 identity (a lab, a laptop): specs are still validated,
 * but the probe always fails with `reason`, so the reconcile machine reports the kind inert and retries slowly.
 * It never observes anything and never writes.
 */
export function createUnavailableController(
  kind: KindDefinition,
  validateSpec: (raw: unknown) => Validation<unknown>,
  reason: string,
  message: string,
): AnyController {
  return {
    kind,
    validateSpec,
    decode: (snapshot) =>
      kind.singletonName === undefined
        ? decodeEach(snapshot, validateSpec)
        : decodeSingleton(kind, snapshot, validateSpec, null),
    probe: () => Promise.resolve({ ok: false, reason, message, details: {} }),
    observe: () => Promise.resolve(null),
    plan: () => [],
    apply: () => Promise.resolve(),
    describe: () => '',
    details: () => ({}),
    warnings: () => [],
  };
}

/** Every resource must be valid; none is acted on, so the desired state carries nothing. */
function decodeEach(snapshot: KindSnapshot, validate: (raw: unknown) => Validation<unknown>): DecodeResult<unknown> {
  for (const resource of snapshot.resources) {
    const parsed = parseSpecJson(resource.value);
    const result = parsed.ok ? validate(parsed.value) : parsed;
    if (!result.ok) return { ok: false, name: resource.name, generation: resource.generation, errors: result.errors };
  }
  return { ok: true, desired: { spec: null }, ignored: [] };
}
