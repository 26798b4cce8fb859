import { ControllerError, type AnyController } from './controller.js';

/** Runs one side-effecting stage with the actor's signal plus a deadline, so a hung command cannot stall the loop. */
export async function withDeadline<T>(
  stage: string,
  signal: AbortSignal,
  timeoutMs: number,
  run: (s: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await run(AbortSignal.any([signal, deadline]));
  } catch (err) {
    if (deadline.aborted && !signal.aborted)
      throw new ControllerError('StageTimeout', `${stage} took longer than ${timeoutMs} ms`);
    throw err;
  }
}

export interface StageInput {
  controller: AnyController;
  timeoutMs: number;
}
