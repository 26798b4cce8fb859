import type { StoredParameter } from './desired-source.js';

/**
 * The identity of one gateway's desired-state store: a marker parameter created once, when the gateway is first
 * bootstrapped (or by `csgw apply` into an empty prefix). An operator pointed at another store (wrong endpoint,
 * prefix or region) sees another identity, or none, instead of "no desired state".
 */
export interface StoreMarker {
  id: string;
  createdAt: string;
  /** Who created it: bootstrap, apply, operator, adopt. */
  createdBy: string;
}

/** What an instance remembers, in its local state directory, of the store it last reconciled from. */
export interface RememberedStore {
  storeId: string;
  /** The gateway root (<prefix>/<gateway>) it was read under. */
  root: string;
  adoptedAt: string;
  adoptedBy: string;
}

export type Recognition =
  | { state: 'recognized'; storeId: string }
  /** Nothing remembered yet: this instance never reconciled from any store, so there is nothing to protect. */
  | { state: 'firstUse'; storeId?: string }
  | { state: 'unrecognized'; expected: string; found?: string };

const MARKER_ID = /^[A-Za-z0-9-]{8,64}$/;

/** The marker's document, or undefined when the value is not one (an unfamiliar marker counts as none). */
export function parseMarker(value: string | undefined): StoreMarker | undefined {
  if (value === undefined) return undefined;
  try {
    const doc = JSON.parse(value) as Partial<StoreMarker>;
    if (typeof doc.id !== 'string' || !MARKER_ID.test(doc.id)) return undefined;
    return { id: doc.id, createdAt: String(doc.createdAt ?? ''), createdBy: String(doc.createdBy ?? '') };
  } catch {
    return undefined;
  }
}

export function markerDocument(id: string, createdBy: string, now: Date): string {
  return JSON.stringify({ id, createdAt: now.toISOString(), createdBy });
}

/** Pure: how the store just listed relates to the one this instance remembers. */
export function recognize(marker: StoreMarker | undefined, remembered: RememberedStore | undefined): Recognition {
  if (!remembered) return marker ? { state: 'firstUse', storeId: marker.id } : { state: 'firstUse' };
  if (marker?.id === remembered.storeId) return { state: 'recognized', storeId: marker.id };
  return { state: 'unrecognized', expected: remembered.storeId, ...(marker ? { found: marker.id } : {}) };
}

/**
 * What an unrecognised store may change: every parameter it holds (adds and edits apply), plus every remembered
 * one it lacks (nothing is removed). Pure; the listed value wins for a name both have.
 */
export function keepRemembered(
  remembered: readonly StoredParameter[],
  listed: readonly StoredParameter[],
): StoredParameter[] {
  const names = new Set(listed.map((p) => p.name));
  return [...listed, ...remembered.filter((p) => !names.has(p.name))];
}

/** One line for logs, events and status naming both identities. */
export function describeUnrecognized(r: Extract<Recognition, { state: 'unrecognized' }>, root: string): string {
  const found = r.found ? `store ${r.found}` : 'a store without an identity marker';
  return (
    `${root} is ${found}, not store ${r.expected} that this instance last reconciled from: nothing is removed ` +
    `(adds and edits still apply) until a person adopts it (csgw adopt, or csgw run --adopt-store)`
  );
}
