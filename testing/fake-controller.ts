// A controller over a tiny in-memory "world" (one number), for reconcile-machine tests. probe, observe and apply are
// jest mocks with working default implementations, so a test can count calls, make one call throw
// (mockRejectedValueOnce) or hang until aborted (mockImplementationOnce(untilAborted)).
import { jest } from '@jest/globals';
import type { KindDefinition } from '../crds-equivalent/index.js';
import {
  ControllerError,
  type Controller,
  type DecodeResult,
  type DesiredState,
  type KindSnapshot,
  type ObserveOptions,
  type ProbeResult,
} from '../runtime/controller.js';
import type { LeaseGuard } from '../runtime/lease/fencing.js';
import type { Validation } from '../runtime/spec-validation.js';

export interface FakeSpec {
  value: number;
}

export interface FakeAction {
  op: 'set';
  value: number;
}

export const fakeKind: KindDefinition = {
  kind: 'Fake',
  plural: 'fakes',
  aliases: ['fake'],
  scope: 'node',
  singletonName: 'default',
  schema: {},
  printerColumns: [],
  example: { kind: 'Fake', name: 'default', spec: { value: 1 } },
};

/** What the controller owns when no resource exists. */
export const FAKE_ABSENT: FakeSpec = { value: 0 };

export const probeOk: ProbeResult = {
  ok: true,
  reason: 'FakeReady',
  message: 'fake world reachable',
  details: { mechanism: 'fake' },
};

export class FakeController implements Controller<FakeSpec, FakeSpec, number, FakeAction> {
  readonly kind = fakeKind;
  /** Set to make the fake lease-gated, like a cluster-scoped controller. */
  lease?: LeaseGuard;
  /** The state the controller manages; tests change it directly to simulate drift. */
  world = 0;
  /** When set, plan() throws it (e.g. an inert ControllerError for "cannot work here"). */
  planError?: Error;

  readonly probe = jest.fn<(signal: AbortSignal) => Promise<ProbeResult>>(() => Promise.resolve(probeOk));
  readonly observe = jest.fn<(signal: AbortSignal, opts: ObserveOptions) => Promise<number>>(() =>
    Promise.resolve(this.world),
  );
  readonly apply = jest.fn<(actions: FakeAction[], signal: AbortSignal) => Promise<void>>((actions) => {
    for (const action of actions) this.world = action.value;
    return Promise.resolve();
  });
  readonly planCalls: { desired: DesiredState<FakeSpec>; observed: number }[] = [];

  validateSpec(raw: unknown): Validation<FakeSpec> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return { ok: false, errors: ['spec: must be object'] };
    const extra = Object.keys(raw).filter((k) => k !== 'value');
    if (extra.length > 0) return { ok: false, errors: extra.map((k) => `spec: unknown field "${k}"`) };
    const value = (raw as { value?: unknown }).value;
    if (typeof value !== 'number' || !Number.isInteger(value))
      return { ok: false, errors: ['spec.value: must be integer'] };
    return { ok: true, value: { value } };
  }

  decode(snapshot: KindSnapshot): DecodeResult<FakeSpec> {
    const ignored = snapshot.resources
      .filter((r) => r.name !== 'default')
      .map((r) => ({ name: r.name, reason: 'only "default" is used' }));
    const resource = snapshot.resources.find((r) => r.name === 'default');
    if (!resource) return { ok: true, desired: { spec: { ...FAKE_ABSENT } }, ignored };
    let raw: unknown;
    try {
      raw = JSON.parse(resource.value);
    } catch {
      return { ok: false, name: resource.name, generation: resource.generation, errors: ['spec is not valid JSON'] };
    }
    const result = this.validateSpec(raw);
    if (!result.ok) return { ok: false, name: resource.name, generation: resource.generation, errors: result.errors };
    return { ok: true, desired: { name: resource.name, generation: resource.generation, spec: result.value }, ignored };
  }

  plan(desired: DesiredState<FakeSpec>, observed: number): FakeAction[] {
    this.planCalls.push({ desired, observed });
    if (this.planError) throw this.planError;
    return observed === desired.spec.value ? [] : [{ op: 'set', value: desired.spec.value }];
  }

  describe(action: FakeAction): string {
    return `set world=${action.value}`;
  }

  details(_desired: DesiredState<FakeSpec>, observed: number): Record<string, unknown> {
    return { world: observed };
  }

  warnings(desired: DesiredState<FakeSpec>): { reason: string; message: string }[] {
    return desired.spec.value < 0 ? [{ reason: 'NegativeWorld', message: 'a negative world works but is odd' }] : [];
  }
}

/** A snapshot of the fake kind with one "default" resource (or an invalid document when spec is a string). */
export function fakeSnapshot(spec: FakeSpec | string | undefined, generation = 1): KindSnapshot {
  if (spec === undefined) return { kind: fakeKind.kind, resources: [] };
  const value = typeof spec === 'string' ? spec : JSON.stringify(spec);
  return { kind: fakeKind.kind, resources: [{ name: 'default', generation, value }] };
}

/** Errors the fake raises, by kind of failure. */
export const transientError = (message = 'kernel busy'): ControllerError => new ControllerError('ApplyFailed', message);
export const inertError = (reason = 'MissingPermission', message = 'CAP_NET_ADMIN missing'): ControllerError =>
  new ControllerError(reason, message, true);
