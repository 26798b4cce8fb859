import type { ConditionInput, ControllerWarning, DesiredState } from './controller.js';

/** What a reconcile machine tells the status hub. The machine decides; the hub turns reports into status. */
export type ReconcileReport =
  | { type: 'phase'; phase: string }
  /** A cluster- or AZ-scoped controller on a node that does not hold the scope's lease: nothing to do here. */
  | { type: 'standby'; scope: string; holder: string }
  | { type: 'ignored'; name: string; reason: string }
  | { type: 'adopted'; desired: DesiredState<unknown> }
  | { type: 'invalidSpec'; name: string; generation: number; errors: string[]; keepsLastGood: boolean }
  | { type: 'inert'; reason: string; message: string; retryInMs: number }
  | { type: 'probed'; details: Record<string, unknown> }
  | { type: 'drift'; desired: DesiredState<unknown>; actions: string[] }
  | { type: 'applying'; desired: DesiredState<unknown>; actions: string[] }
  | {
      type: 'converged';
      desired: DesiredState<unknown>;
      applied: boolean;
      details: Record<string, unknown>;
      warnings: ControllerWarning[];
      /** Controller conditions (Controller.conditions); Ready among them overrides the default. */
      conditions?: ConditionInput[];
    }
  | {
      type: 'failed';
      stage: 'observe' | 'plan' | 'apply' | 'verify';
      reason: string;
      message: string;
      attempt: number;
      retryInMs: number;
      desired?: DesiredState<unknown>;
    };

export type Reporter = (report: ReconcileReport) => void;
