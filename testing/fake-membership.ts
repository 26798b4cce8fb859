// A MembershipTracker whose snapshots the test sets per resource; it records what it was asked and told to forget.
import type {
  MembershipSnapshot,
  MembershipSpec,
  MembershipTracker,
  MemberView,
} from '../controllers/load-balancer/membership/types.js';

export class FakeMembership implements MembershipTracker {
  private readonly snapshots = new Map<string, MembershipSnapshot>();
  readonly calls: { resource: string; spec: MembershipSpec }[] = [];
  readonly forgotten: string[] = [];

  /** What current() returns for `resource` from now on. */
  set(resource: string, snapshot: MembershipSnapshot): void {
    this.snapshots.set(resource, structuredClone(snapshot));
  }

  /** Shorthand: these members, synced at `syncedAt`. */
  members(resource: string, members: MemberView[], syncedAt = '2025-01-01T00:00:00.000Z'): void {
    this.set(resource, { members, syncedAt });
  }

  current(resource: string, spec: MembershipSpec, signal: AbortSignal): Promise<MembershipSnapshot> {
    this.calls.push({ resource, spec });
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    // Like the real tracker before its first sync: no members, no error.
    return Promise.resolve(structuredClone(this.snapshots.get(resource) ?? { members: [] }));
  }

  forget(resource: string): void {
    this.forgotten.push(resource);
    this.snapshots.delete(resource);
  }
}
