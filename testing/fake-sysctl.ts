// In-memory SysctlPort: key -> { value, writable }, behaving like adapters/sysctl.ts (a missing key reads as
// { writable: false }; a refused write throws ControllerError('SysctlUnavailable') and the key reads as read-only
// from then on). Records every write.
import { ControllerError } from '../runtime/controller.js';
import type { SysctlPort, SysctlValue } from '../runtime/ports.js';

export interface FakeSysctlEntry {
  value?: string;
  writable: boolean;
  /** Looks writable (root passes access(2)) but the kernel refuses the write, as some per-netns limits do. */
  refusesWrites?: boolean;
}

export class FakeSysctl implements SysctlPort {
  private readonly entries = new Map<string, FakeSysctlEntry>();
  /** Successful writes, in order. */
  readonly writes: { key: string; value: string }[] = [];
  /** Refused writes, in order. */
  readonly refused: { key: string; value: string }[] = [];
  readonly reads: string[] = [];
  /** Keys whose write was refused: like the adapters, they read as read-only from then on. */
  private readonly refusedKeys = new Set<string>();

  /** A plain string means a writable key with that value. */
  constructor(initial: Readonly<Record<string, FakeSysctlEntry | string>> = {}) {
    for (const [key, entry] of Object.entries(initial)) {
      this.entries.set(key, typeof entry === 'string' ? { value: entry, writable: true } : { ...entry });
    }
  }

  read(key: string, signal: AbortSignal): Promise<SysctlValue> {
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    this.reads.push(key);
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve({ writable: false });
    const { refusesWrites: _, ...value } = entry;
    return Promise.resolve({ ...value, writable: entry.writable && !this.refusedKeys.has(key) });
  }

  write(key: string, value: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    const entry = this.entries.get(key);
    if (!entry?.writable || entry.value === undefined || entry.refusesWrites) {
      this.refused.push({ key, value });
      this.refusedKeys.add(key);
      const why = entry?.value === undefined ? 'ENOENT' : 'EROFS';
      return Promise.reject(new ControllerError('SysctlUnavailable', `cannot set ${key}=${value}: ${why}`));
    }
    entry.value = value;
    this.writes.push({ key, value });
    return Promise.resolve();
  }

  /** Out-of-band change (another tool, a reboot, a container runtime). */
  set(key: string, value: string | undefined, writable = true): void {
    this.entries.set(key, value === undefined ? { writable } : { value, writable });
  }

  get(key: string): string | undefined {
    return this.entries.get(key)?.value;
  }

  snapshot(): Record<string, FakeSysctlEntry> {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, { ...entry }]));
  }
}
