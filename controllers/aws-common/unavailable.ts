import type { KindDefinition } from '../../crds-equivalent/index.js';
import { ControllerError, type AnyController, type DecodeResult, type KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { parseSpecJson, type Validation } from '../../runtime/spec-validation.js';

/**
 * Stands in for an EC2 controller on a node without an EC2 identity (a lab, a laptop): specs are still validated.
 * With no resource it owns nothing and is Ready like any controller; a resource it cannot act on makes it inert with
 * `reason` (retried slowly). It never observes anything and never writes.
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
    probe: () => Promise.resolve({ ok: true, reason, message, details: { ec2: `unavailable: ${message}` } }),
    observe: () => Promise.resolve(null),
    plan: (desired) => {
      if (desired.name) throw new ControllerError(reason, message, true);
      return [];
    },
    apply: () => Promise.resolve(),
    describe: () => '',
    details: () => ({}),
    warnings: () => [],
  };
}

/** Every resource must be valid; none is acted on, so the desired state only says whether there is one. */
function decodeEach(snapshot: KindSnapshot, validate: (raw: unknown) => Validation<unknown>): DecodeResult<unknown> {
  for (const resource of snapshot.resources) {
    const parsed = parseSpecJson(resource.value);
    const result = parsed.ok ? validate(parsed.value) : parsed;
    if (!result.ok) return { ok: false, name: resource.name, generation: resource.generation, errors: result.errors };
  }
  const first = snapshot.resources[0];
  const named = first ? { name: first.name, generation: first.generation } : {};
  return { ok: true, desired: { ...named, spec: null }, ignored: [] };
}
