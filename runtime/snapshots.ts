import type { AnyController, KindSnapshot } from './controller.js';

/**
 * What a controller decodes: its own kind as last listed, plus the resources of the kinds it watches. undefined
 * until its own kind was listed.
 */
export function snapshotFor(
  controller: AnyController,
  listed: ReadonlyMap<string, KindSnapshot>,
): KindSnapshot | undefined {
  const own = listed.get(controller.kind.kind);
  if (!own || !controller.watches) return own;
  const related = Object.fromEntries(controller.watches.map((w) => [w.kind, listed.get(w.kind)?.resources ?? []]));
  return { ...own, related };
}
