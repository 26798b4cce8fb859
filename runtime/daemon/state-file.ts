import { readFile, rm, writeFile } from 'node:fs/promises';
import type { FailedRevision, RunningConfig } from './types.js';

/** What the supervisor records about the process it runs, so the next operator can adopt it. */
export interface RunningRecord extends RunningConfig {
  pid: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds of the last reload: readiness is waited for from then. */
  reloadedAt?: number;
  /** /proc/<pid>/stat start time (absent in records of older operators) and the argv started. */
  startTime?: string;
  argv?: string[];
}

/** Which revisions ran healthy or failed, kept across operator restarts so a failed one is not retried. */
export interface RevisionHistory {
  healthy?: RunningConfig;
  failed?: FailedRevision;
}

/** One small JSON file (0600). */
export class JsonFile<T> {
  constructor(private readonly path: string) {}

  async write(value: T): Promise<void> {
    await writeFile(this.path, JSON.stringify(value), { mode: 0o600 });
  }

  async read(): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
