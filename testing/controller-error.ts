import { ControllerError } from '../runtime/controller.js';

/** The ControllerError a pure function throws, so a test can assert its reason and inertness; fails if none. */
export function planError(fn: () => unknown): ControllerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ControllerError) return err;
    throw err;
  }
  throw new Error('expected the planner to throw');
}
