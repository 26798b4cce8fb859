import { readFile } from 'node:fs/promises';

/**
 * The operator's own account of a reconcile pass, from its debug log: `csgw run --log-level debug` logs every phase
 * (observing, applying, verifying) and report (adopted, converged) with the pass's reconcileId and pino's epoch-ms
 * time. It splits "list -> kernel" into observe and commit without touching the operator's code.
 */
export interface PassTimes {
  reconcileId: number;
  /** Epoch ms. */
  observingAt: number;
  applyingAt?: number;
  verifyingAt?: number;
  convergedAt?: number;
}

interface LogLine {
  time: number;
  reconcileId: number;
  event: string;
}

function parseLine(line: string): LogLine | undefined {
  try {
    const doc = JSON.parse(line) as { time?: unknown; reconcileId?: unknown; phase?: unknown; msg?: unknown };
    if (typeof doc.time !== 'number' || typeof doc.reconcileId !== 'number') return undefined;
    const event = typeof doc.phase === 'string' ? doc.phase : typeof doc.msg === 'string' ? doc.msg : '';
    return { time: doc.time, reconcileId: doc.reconcileId, event };
  } catch {
    return undefined;
  }
}

/** Every pass in the log, in order; empty when the operator did not log at debug level. */
export async function readPasses(logFile: string): Promise<PassTimes[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const passes = new Map<number, PassTimes>();
  for (const line of text.split('\n')) {
    const entry = parseLine(line);
    if (!entry) continue;
    if (entry.event === 'observing' && !passes.has(entry.reconcileId))
      passes.set(entry.reconcileId, { reconcileId: entry.reconcileId, observingAt: entry.time });
    const pass = passes.get(entry.reconcileId);
    if (!pass) continue;
    if (entry.event === 'applying') pass.applyingAt ??= entry.time;
    else if (entry.event === 'verifying') pass.verifyingAt ??= entry.time;
    else if (entry.event === 'converged') pass.convergedAt ??= entry.time;
  }
  return [...passes.values()];
}

/** The first pass that started observing at or after epochMs (pino times are whole ms, hence the 1 ms slack). */
export function passAfter(passes: readonly PassTimes[], epochMs: number): PassTimes | undefined {
  return passes.find((p) => p.observingAt >= Math.floor(epochMs) - 1 && p.applyingAt !== undefined);
}

/** performance.now() of this process -> epoch ms, the clock pino stamps the operator's log with. */
export function toEpochMs(perfMs: number): number {
  return performance.timeOrigin + perfMs;
}
