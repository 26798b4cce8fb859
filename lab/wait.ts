// Polling helper for conditions that become true eventually (operator
// reconciled, port listening, NAT in place).

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Used in the timeout error message. */
  what?: string;
}

/**
 * Calls `probe` until it returns something other than undefined/false and
 * returns that value; a probe that throws counts as "not yet". On timeout the
 * last thrown error is included in the message.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 250, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
