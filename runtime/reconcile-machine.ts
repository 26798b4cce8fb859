import { assign, fromPromise, setup } from 'xstate';
import { withDeadline, type StageInput } from './reconcile-stages.js';
import { backoffDelay } from './backoff.js';
import {
  ControllerError,
  type AnyController,
  type DecodeResult,
  type DesiredState,
  type KindSnapshot,
  type ProbeResult,
} from './controller.js';
import type { Reporter } from './reconcile-report.js';

export interface ReconcileTiming {
  /** Level-based resync: re-observe this often even when nothing changed, so drift is repaired. */
  resyncMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Slow retry while inert (feature missing, no valid spec, permission missing). */
  inertRetryMs: number;
  /** A probe, observe or apply running longer than this is aborted and counts as failed (StageTimeout). */
  stageTimeoutMs: number;
}

export interface ReconcileInput {
  controller: AnyController;
  timing: ReconcileTiming;
  report: Reporter;
  random?: () => number;
}

type Stage = 'observe' | 'plan' | 'apply' | 'verify';

interface ReconcileContext {
  controller: AnyController;
  timing: ReconcileTiming;
  report: Reporter;
  random: () => number;
  snapshot?: KindSnapshot;
  /** A snapshot that arrived while applying; handled once the apply is verified. */
  pending: boolean;
  probed: boolean;
  decoded?: DecodeResult<unknown>;
  /** The last valid desired state: an invalid update keeps it running. */
  desired?: DesiredState<unknown>;
  lastConverged?: DesiredState<unknown>;
  observed?: unknown;
  plan: unknown[];
  planError?: ControllerError;
  attempt: number;
  nextDelayMs: number;
  /** After a failed apply the next observe must not trust any cache. */
  fullResync: boolean;
}

export type ReconcileEvent =
  | { type: 'DESIRED_CHANGED'; snapshot: KindSnapshot }
  /** The real state changed outside a pass (Controller.changes$): observe now instead of at the next resync. */
  | { type: 'OBSERVE_NOW' };

const asControllerError = (err: unknown, fallbackReason: string): ControllerError =>
  err instanceof ControllerError
    ? err
    : new ControllerError(fallbackReason, err instanceof Error ? err.message : String(err));

/** Reports a failed stage and computes the retry delay: slow for inert errors, exponential backoff otherwise. */
function failureUpdate(
  context: ReconcileContext,
  stage: Stage,
  error: unknown,
  fallbackReason: string,
): Partial<ReconcileContext> {
  const err = asControllerError(error, fallbackReason);
  const attempt = context.attempt + 1;
  const nextDelayMs = err.inert ? context.timing.inertRetryMs : backoffDelay(attempt, context.timing, context.random);
  const report = { stage, reason: err.reason, message: err.message, attempt, retryInMs: nextDelayMs };
  context.report(
    err.inert
      ? { type: 'inert', ...report }
      : { type: 'failed', ...report, ...(context.desired ? { desired: context.desired } : {}) },
  );
  return { attempt, nextDelayMs, fullResync: context.fullResync || stage === 'apply' };
}

const errorOf = (event: unknown): unknown => (event as { error?: unknown }).error;
const outputOf = <T>(event: unknown): T => (event as { output: T }).output;

export const reconcileMachine = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate takes its types from this assertion
  types: {} as { context: ReconcileContext; events: ReconcileEvent; input: ReconcileInput },
  actors: {
    probe: fromPromise<ProbeResult, StageInput>(({ input, signal }) =>
      withDeadline('probe', signal, input.timeoutMs, (s) => input.controller.probe(s)),
    ),
    observe: fromPromise<unknown, StageInput & { full: boolean; desired: DesiredState<unknown> }>(({ input, signal }) =>
      withDeadline('observe', signal, input.timeoutMs, (s) =>
        input.controller.observe(s, { full: input.full, desired: input.desired }),
      ),
    ),
    apply: fromPromise<void, StageInput & { plan: unknown[] }>(({ input, signal }) =>
      withDeadline('apply', signal, input.timeoutMs, (s) => input.controller.apply(input.plan, s)),
    ),
  },
  delays: {
    resync: ({ context }) => context.timing.resyncMs,
    retry: ({ context }) => context.nextDelayMs,
  },
  guards: {
    probeOk: ({ event }) => outputOf<ProbeResult>(event).ok,
    needsProbe: ({ context }) => !context.probed,
    decodedValid: ({ context }) => context.decoded?.ok === true,
    hasLastGood: ({ context }) => context.desired !== undefined,
    hasSnapshot: ({ context }) => context.snapshot !== undefined,
    hasPending: ({ context }) => context.pending,
    planFailedInert: ({ context }) => context.planError?.inert === true,
    planFailed: ({ context }) => context.planError !== undefined,
    planEmpty: ({ context }) => context.plan.length === 0,
    isInertError: ({ event }) => {
      const err = errorOf(event);
      return err instanceof ControllerError && err.inert;
    },
  },
  actions: {
    storeSnapshot: assign(({ event }) => (event.type === 'DESIRED_CHANGED' ? { snapshot: event.snapshot } : {})),
    markPending: assign(({ event }) =>
      event.type === 'DESIRED_CHANGED' ? { snapshot: event.snapshot, pending: true } : {},
    ),
    reportPhase: ({ context }, params: { phase: string }) => context.report({ type: 'phase', phase: params.phase }),
    decode: assign(({ context }) => ({
      decoded: context.snapshot ? context.controller.decode(context.snapshot) : undefined,
      pending: false,
    })),
    adoptDesired: assign(({ context }) => {
      const decoded = context.decoded;
      if (!decoded?.ok) return {};
      for (const ignored of decoded.ignored) context.report({ type: 'ignored', ...ignored });
      context.report({ type: 'adopted', desired: decoded.desired });
      return { desired: decoded.desired, attempt: 0 };
    }),
    reportInvalid: ({ context }) => {
      const d = context.decoded;
      if (d && !d.ok)
        context.report({
          type: 'invalidSpec',
          name: d.name,
          generation: d.generation,
          errors: d.errors,
          keepsLastGood: context.desired !== undefined,
        });
    },
    reportProbed: ({ context, event }) =>
      context.report({ type: 'probed', details: outputOf<ProbeResult>(event).details }),
    probeFailed: assign(({ context, event }) => {
      const result = (event as { output?: ProbeResult }).output;
      const reason = result?.reason ?? 'ProbeFailed';
      const message = result?.message ?? String(errorOf(event));
      context.report({ type: 'inert', reason, message, retryInMs: context.timing.inertRetryMs });
      return { probed: false, nextDelayMs: context.timing.inertRetryMs };
    }),
    setProbed: assign({ probed: true }),
    storeObserved: assign(({ event }) => ({ observed: outputOf<unknown>(event) })),
    computePlan: assign(({ context }) => {
      try {
        const desired = context.desired as DesiredState<unknown>;
        return { plan: context.controller.plan(desired, context.observed), planError: undefined };
      } catch (err) {
        return { plan: [], planError: asControllerError(err, 'PlanFailed') };
      }
    }),
    reportApplying: ({ context }) => {
      const desired = context.desired as DesiredState<unknown>;
      const actions = context.plan.map((a) => context.controller.describe(a));
      if (context.lastConverged === desired) context.report({ type: 'drift', desired, actions });
      context.report({ type: 'applying', desired, actions });
    },
    reportConverged: assign(({ context }, params: { applied: boolean }) => {
      const desired = context.desired as DesiredState<unknown>;
      const details = context.controller.details(desired, context.observed);
      const warnings = context.controller.warnings(desired, context.observed);
      const conditions = context.controller.conditions?.(desired, context.observed) ?? [];
      context.report({ type: 'converged', desired, applied: params.applied, details, warnings, conditions });
      return { attempt: 0, fullResync: false, lastConverged: desired };
    }),
    observeFailed: assign(({ context, event }) => failureUpdate(context, 'observe', errorOf(event), 'ObserveFailed')),
    planFailedAction: assign(({ context }) => failureUpdate(context, 'plan', context.planError, 'PlanFailed')),
    applyFailed: assign(({ context, event }) => failureUpdate(context, 'apply', errorOf(event), 'ApplyFailed')),
    verifyFailed: assign(({ context }) => {
      const attempt = context.attempt + 1;
      const nextDelayMs = backoffDelay(attempt, context.timing, context.random);
      const actions = context.plan.map((a) => context.controller.describe(a)).join('; ');
      context.report({
        type: 'failed',
        stage: 'verify',
        reason: 'VerifyFailed',
        message: `still differs after apply: ${actions}`,
        attempt,
        retryInMs: nextDelayMs,
      });
      return { attempt, nextDelayMs, fullResync: true };
    }),
  },
}).createMachine({
  id: 'reconcile',
  context: ({ input }) => ({
    controller: input.controller,
    timing: input.timing,
    report: input.report,
    random: input.random ?? Math.random,
    pending: false,
    probed: false,
    plan: [],
    attempt: 0,
    nextDelayMs: 0,
    fullResync: true,
  }),
  initial: 'probing',
  on: { DESIRED_CHANGED: { target: '.decoding', actions: 'storeSnapshot' } },
  states: {
    probing: {
      entry: { type: 'reportPhase', params: { phase: 'probing' } },
      on: { DESIRED_CHANGED: { actions: 'storeSnapshot' } },
      invoke: {
        src: 'probe',
        input: ({ context }) => ({ controller: context.controller, timeoutMs: context.timing.stageTimeoutMs }),
        onDone: [
          { guard: 'probeOk', actions: ['setProbed', 'reportProbed'], target: 'awaitingDesired' },
          { target: 'inert', actions: 'probeFailed' },
        ],
        onError: { target: 'inert', actions: 'probeFailed' },
      },
    },
    awaitingDesired: {
      entry: { type: 'reportPhase', params: { phase: 'awaitingDesired' } },
      always: { guard: 'hasSnapshot', target: 'decoding' },
    },
    decoding: {
      entry: 'decode',
      always: [
        { guard: 'needsProbe', target: 'probing' },
        { guard: 'decodedValid', actions: 'adoptDesired', target: 'observing' },
        { guard: 'hasLastGood', actions: 'reportInvalid', target: 'observing' },
        {
          actions: ['reportInvalid', assign({ nextDelayMs: ({ context }) => context.timing.inertRetryMs })],
          target: 'inert',
        },
      ],
    },
    observing: {
      entry: { type: 'reportPhase', params: { phase: 'observing' } },
      invoke: {
        src: 'observe',
        input: ({ context }) => ({
          controller: context.controller,
          timeoutMs: context.timing.stageTimeoutMs,
          full: context.fullResync,
          // Observing is only entered with a valid desired state (adopted, or the last good one).
          desired: context.desired!,
        }),
        onDone: { target: 'planning', actions: 'storeObserved' },
        onError: [
          { guard: 'isInertError', target: 'inert', actions: 'observeFailed' },
          { target: 'backingOff', actions: 'observeFailed' },
        ],
      },
    },
    planning: {
      entry: 'computePlan',
      always: [
        { guard: 'planFailedInert', target: 'inert', actions: 'planFailedAction' },
        { guard: 'planFailed', target: 'backingOff', actions: 'planFailedAction' },
        { guard: 'planEmpty', target: 'converged', actions: { type: 'reportConverged', params: { applied: false } } },
        { target: 'applying', actions: 'reportApplying' },
      ],
    },
    applying: {
      entry: { type: 'reportPhase', params: { phase: 'applying' } },
      on: { DESIRED_CHANGED: { actions: 'markPending' } },
      invoke: {
        src: 'apply',
        input: ({ context }) => ({
          controller: context.controller,
          timeoutMs: context.timing.stageTimeoutMs,
          plan: context.plan,
        }),
        onDone: 'verifying',
        onError: [
          { guard: 'isInertError', target: 'inert', actions: 'applyFailed' },
          { target: 'backingOff', actions: 'applyFailed' },
        ],
      },
    },
    verifying: {
      entry: { type: 'reportPhase', params: { phase: 'verifying' } },
      on: { DESIRED_CHANGED: { actions: 'markPending' } },
      invoke: {
        src: 'observe',
        input: ({ context }) => ({
          controller: context.controller,
          timeoutMs: context.timing.stageTimeoutMs,
          full: context.fullResync,
          // Observing is only entered with a valid desired state (adopted, or the last good one).
          desired: context.desired!,
        }),
        onDone: { target: 'verified', actions: ['storeObserved', 'computePlan'] },
        onError: { target: 'backingOff', actions: 'observeFailed' },
      },
    },
    verified: {
      always: [
        { guard: 'planFailed', target: 'backingOff', actions: 'planFailedAction' },
        { guard: 'planEmpty', target: 'converged', actions: { type: 'reportConverged', params: { applied: true } } },
        { target: 'backingOff', actions: 'verifyFailed' },
      ],
    },
    converged: {
      always: [{ guard: 'hasPending', target: 'decoding' }, { target: 'waiting' }],
    },
    waiting: {
      entry: { type: 'reportPhase', params: { phase: 'waiting' } },
      on: { OBSERVE_NOW: 'observing' },
      after: { resync: 'observing' },
    },
    backingOff: {
      entry: { type: 'reportPhase', params: { phase: 'backingOff' } },
      always: { guard: 'hasPending', target: 'decoding' },
      after: { retry: 'observing' },
    },
    inert: {
      entry: { type: 'reportPhase', params: { phase: 'inert' } },
      after: { retry: 'probing' },
    },
  },
});
