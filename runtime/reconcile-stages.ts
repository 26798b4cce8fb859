import { ControllerError, type AnyController } from './controller.js';

/**
 * Runs one side-effecting stage with the actor's signal plus a deadline. The stage's signal aborts at the deadline
 * and the stage is also raced against it, so even a stage that ignores its signal cannot stall the loop.
 */
export async function withDeadline<T>(
  stage: string,
  signal: AbortSignal,
  timeoutMs: number,
  run: (s: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject first: the race must settle with the timeout, not with the stage's reaction to the abort.
      reject(new ControllerError('StageTimeout', `${stage} took longer than ${timeoutMs} ms`));
      deadline.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(AbortSignal.any([signal, deadline.signal])), expired]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StageInput {
  controller: AnyController;
  timeoutMs: number;
}
