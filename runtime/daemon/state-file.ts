import { readFile, rm, writeFile } from 'node:fs/promises';
import type { RunningConfig } from './types.js';

/** What the supervisor records about the process it runs, so the next operator can adopt it. */
export interface RunningRecord extends RunningConfig {
  pid: number;
  /** Epoch milliseconds. */
  startedAt: number;
}

/** One small JSON file (0600): written after every start and reload, removed when the process is gone. */
export class StateFile {
  constructor(private readonly path: string) {}

  async write(record: RunningRecord): Promise<void> {
    await writeFile(this.path, JSON.stringify(record), { mode: 0o600 });
  }

  async read(): Promise<RunningRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as RunningRecord;
    } catch {
      return undefined;
    }
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** The RunningConfig part of a record (without pid and start time). */
export function runningConfig(r: RunningConfig): RunningConfig {
  const { hash, generation, restartKey, healthTarget } = r;
  return {
    hash,
    ...(generation !== undefined ? { generation } : {}),
    ...(restartKey !== undefined ? { restartKey } : {}),
    ...(healthTarget !== undefined ? { healthTarget } : {}),
  };
}
