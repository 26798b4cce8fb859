import type { KindSnapshot, StoredResource } from './controller.js';
import { parseSpecJson, type Validation } from './spec-validation.js';

/** One resource of a multi-resource kind whose spec takes part in the desired state. */
export interface Admitted<S> {
  name: string;
  generation: number;
  spec: S;
}

/** A resource generation left out of the desired state, and which older generation (if any) still runs instead. */
export interface Rejection {
  name: string;
  generation: number;
  errors: string[];
  running?: number;
}

export interface Admission<S> {
  /** In claim order: earlier claims win conflicts. */
  admitted: Admitted<S>[];
  rejected: Rejection[];
  /**
   * Resources exist, every one is rejected, and none has been admitted since this process started (a restart over
   * specs that no longer validate): a controller keeps its data plane as it finds it instead of tearing it down.
   */
  holdAsFound: boolean;
}

/** Why `candidate` cannot join the resources admitted before it (naming the other resource), or undefined. */
export type ConflictCheck<S> = (candidate: Admitted<S>, admitted: readonly Admitted<S>[]) => string | undefined;

/**
 * Admits the resources of a kind that many resources share (PortForward, FirewallPolicy). Resources claim in the order
 * their current generations were written (SSM LastModifiedDate, then name), so a newer generation that conflicts
 * with an older claim is the one rejected. A rejected or invalid generation falls back to the last generation this
 * process admitted for that resource, so an edit gone wrong keeps the resource's previous rules running.
 */
export class ResourceAdmission<S> {
  private lastGood = new Map<string, Admitted<S>>();
  private everAdmitted = false;

  constructor(
    private readonly validate: (raw: unknown) => Validation<S>,
    private readonly conflict: ConflictCheck<S>,
  ) {}

  admit(snapshot: KindSnapshot): Admission<S> {
    const admitted: Admitted<S>[] = [];
    const rejected: Rejection[] = [];
    for (const resource of [...snapshot.resources].sort(claimOrder)) {
      const current = this.candidate(resource);
      const errors = 'errors' in current ? current.errors : [];
      const why = 'spec' in current ? this.conflict(current, admitted) : undefined;
      if ('spec' in current && why === undefined) {
        admitted.push(current);
        continue;
      }
      if (why !== undefined) errors.push(why);
      const previous = this.lastGood.get(resource.name);
      const fallback = previous && previous.generation !== resource.generation ? previous : undefined;
      const usable = fallback && this.conflict(fallback, admitted) === undefined ? fallback : undefined;
      if (usable) admitted.push(usable);
      rejected.push({
        name: resource.name,
        generation: resource.generation,
        errors,
        ...(usable ? { running: usable.generation } : {}),
      });
    }
    this.lastGood = new Map(admitted.map((a) => [a.name, a]));
    return { admitted, rejected, holdAsFound: this.holdAsFound(admitted, rejected) };
  }

  private holdAsFound(admitted: readonly Admitted<S>[], rejected: readonly Rejection[]): boolean {
    this.everAdmitted ||= admitted.length > 0;
    return !this.everAdmitted && rejected.length > 0;
  }

  private candidate(resource: StoredResource): Admitted<S> | { errors: string[] } {
    const parsed = parseSpecJson(resource.value);
    const result = parsed.ok ? this.validate(parsed.value) : parsed;
    if (!result.ok) return { errors: [...result.errors] };
    return { name: resource.name, generation: resource.generation, spec: result.value };
  }
}

function claimOrder(a: StoredResource, b: StoredResource): number {
  // Code-unit order, not localeCompare: every instance must order alike whatever its locale.
  const at = (r: StoredResource): string => r.modifiedAt ?? '';
  return at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** How a rejection reads in events and conditions. */
export function describeRejection(kind: string, r: Rejection): string {
  const kept = r.running !== undefined ? `; generation ${r.running} keeps running` : '; none of it is applied';
  return `${kind}/${r.name} generation ${r.generation} rejected: ${r.errors.join('; ')}${kept}`;
}
