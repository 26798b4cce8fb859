import { assign, fromPromise, setup } from 'xstate';
import { withDeadline, type StageInput } from './reconcile-stages.js';
import { retryDelay } from './backoff.js';
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

/** Why the last try failed: set by a pure assign, reported by a separate action. */
interface Failure {
  /** Absent for a failed probe or an invalid spec with nothing to fall back on: they do not count as attempts. */
  stage?: Stage;
  reason: string;
  message: string;
  inert: boolean;
}

interface ReconcileContext {
  controller: AnyController;
  timing: ReconcileTiming;
  report: Reporter;
  random: () => number;
  snapshot?: KindSnapshot;
  /** A snapshot that arrived while applying; handled once the apply is verified. */
  pending: boolean;
  /** The real state changed (OBSERVE_NOW) while a pass was under way: observe again once it converges. */
  observeRequested: boolean;
  probed: boolean;
  decoded?: DecodeResult<unknown>;
  /** The last valid desired state: an invalid update keeps it running. */
  desired?: DesiredState<unknown>;
  lastConverged?: DesiredState<unknown>;
  observed?: unknown;
  plan: unknown[];
  planError?: ControllerError;
  failure?: Failure;
  attempt: number;
  /** The wait before the next try, decided once per failure in failed(). */
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

/** The one place a failure becomes context: the attempt count, the retry delay and whether to resync fully. */
function failed(context: ReconcileContext, failure: Failure): Partial<ReconcileContext> {
  const attempt = failure.stage ? context.attempt + 1 : context.attempt;
  const nextDelayMs = retryDelay({ inert: failure.inert, attempt }, context.timing, context.random);
  const fullResync = context.fullResync || failure.stage === 'apply' || failure.stage === 'verify';
  return { failure, attempt, nextDelayMs, fullResync };
}

function stageFailure(stage: Stage, error: unknown, fallbackReason: string): Failure {
  const err = asControllerError(error, fallbackReason);
  return { stage, reason: err.reason, message: err.message, inert: err.inert };
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
    observeRequested: ({ context }) => context.observeRequested,
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
    adoptDesired: assign(({ context }) =>
      context.decoded?.ok ? { desired: context.decoded.desired, attempt: 0 } : {},
    ),
    reportAdopted: ({ context }) => {
      const decoded = context.decoded;
      if (!decoded?.ok) return;
      for (const ignored of decoded.ignored) context.report({ type: 'ignored', ...ignored });
      context.report({ type: 'adopted', desired: decoded.desired });
    },
    invalidWithoutFallback: assign(({ context }) =>
      failed(context, { reason: 'InvalidSpec', message: 'no valid spec', inert: true }),
    ),
    reportInvalid: ({ context }) => {
      const d = context.decoded;
      if (d && !d.ok)
        context.report({
          type: 'invalidSpec',
          name: d.name,
          generation: d.generation,
          errors: d.errors,
          // The absent state (no resource) is no configuration to fall back on: nothing of this resource runs.
          keepsLastGood: context.desired?.name !== undefined,
        });
    },
    reportProbed: ({ context, event }) =>
      context.report({ type: 'probed', details: outputOf<ProbeResult>(event).details }),
    probeFailed: assign(({ context, event }) => {
      const result = (event as { output?: ProbeResult }).output;
      const failure = {
        reason: result?.reason ?? 'ProbeFailed',
        message: result?.message ?? String(errorOf(event)),
        inert: true,
      };
      return { ...failed(context, failure), probed: false };
    }),
    reportFailure: ({ context }) => {
      const f = context.failure;
      if (!f) return;
      const common = { reason: f.reason, message: f.message, retryInMs: context.nextDelayMs };
      const attempt = f.stage ? { stage: f.stage, attempt: context.attempt } : {};
      if (f.inert) return context.report({ type: 'inert', ...common, ...attempt });
      const desired = context.desired ? { desired: context.desired } : {};
      context.report({ type: 'failed', stage: f.stage ?? 'observe', attempt: context.attempt, ...common, ...desired });
    },
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
    markConverged: assign(({ context }) => ({ attempt: 0, fullResync: false, lastConverged: context.desired })),
    reportConverged: ({ context }, params: { applied: boolean }) => {
      const desired = context.desired as DesiredState<unknown>;
      const details = context.controller.details(desired, context.observed);
      const warnings = context.controller.warnings(desired, context.observed);
      const conditions = context.controller.conditions?.(desired, context.observed) ?? [];
      context.report({ type: 'converged', desired, applied: params.applied, details, warnings, conditions });
    },
    observeFailed: assign(({ context, event }) =>
      failed(context, stageFailure('observe', errorOf(event), 'ObserveFailed')),
    ),
    planFailedAction: assign(({ context }) => failed(context, stageFailure('plan', context.planError, 'PlanFailed'))),
    applyFailed: assign(({ context, event }) => failed(context, stageFailure('apply', errorOf(event), 'ApplyFailed'))),
    verifyFailed: assign(({ context }) => {
      const actions = context.plan.map((a) => context.controller.describe(a)).join('; ');
      const message = `still differs after apply: ${actions}`;
      return failed(context, { stage: 'verify', reason: 'VerifyFailed', message, inert: false });
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
    observeRequested: false,
    probed: false,
    plan: [],
    attempt: 0,
    nextDelayMs: 0,
    fullResync: true,
  }),
  initial: 'probing',
  on: {
    DESIRED_CHANGED: { target: '.decoding', actions: 'storeSnapshot' },
    // Outside `waiting` (which observes at once) a change is remembered, not dropped: the pass may have read before it.
    OBSERVE_NOW: { actions: assign({ observeRequested: true }) },
  },
  states: {
    probing: {
      entry: { type: 'reportPhase', params: { phase: 'probing' } },
      on: { DESIRED_CHANGED: { actions: 'storeSnapshot' } },
      invoke: {
        src: 'probe',
        input: ({ context }) => ({ controller: context.controller, timeoutMs: context.timing.stageTimeoutMs }),
        onDone: [
          { guard: 'probeOk', actions: ['setProbed', 'reportProbed'], target: 'awaitingDesired' },
          { target: 'inert', actions: ['probeFailed', 'reportFailure'] },
        ],
        onError: { target: 'inert', actions: ['probeFailed', 'reportFailure'] },
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
        { guard: 'decodedValid', actions: ['adoptDesired', 'reportAdopted'], target: 'observing' },
        { guard: 'hasLastGood', actions: 'reportInvalid', target: 'observing' },
        { actions: ['invalidWithoutFallback', 'reportInvalid'], target: 'inert' },
      ],
    },
    observing: {
      entry: [{ type: 'reportPhase', params: { phase: 'observing' } }, assign({ observeRequested: false })],
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
          { guard: 'isInertError', target: 'inert', actions: ['observeFailed', 'reportFailure'] },
          { target: 'backingOff', actions: ['observeFailed', 'reportFailure'] },
        ],
      },
    },
    planning: {
      entry: 'computePlan',
      always: [
        { guard: 'planFailedInert', target: 'inert', actions: ['planFailedAction', 'reportFailure'] },
        { guard: 'planFailed', target: 'backingOff', actions: ['planFailedAction', 'reportFailure'] },
        {
          guard: 'planEmpty',
          target: 'converged',
          actions: ['markConverged', { type: 'reportConverged', params: { applied: false } }],
        },
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
          { guard: 'isInertError', target: 'inert', actions: ['applyFailed', 'reportFailure'] },
          { target: 'backingOff', actions: ['applyFailed', 'reportFailure'] },
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
        onError: { target: 'backingOff', actions: ['observeFailed', 'reportFailure'] },
      },
    },
    verified: {
      always: [
        { guard: 'planFailed', target: 'backingOff', actions: ['planFailedAction', 'reportFailure'] },
        {
          guard: 'planEmpty',
          target: 'converged',
          actions: ['markConverged', { type: 'reportConverged', params: { applied: true } }],
        },
        { target: 'backingOff', actions: ['verifyFailed', 'reportFailure'] },
      ],
    },
    converged: {
      always: [
        { guard: 'hasPending', target: 'decoding' },
        { guard: 'observeRequested', target: 'observing' },
        { target: 'waiting' },
      ],
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
