import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { EXCLUDE_SET, NAT_TABLE } from '../../controllers/source-nat/names.js';
import { elementFromJson, isObject, sortElements } from '../../renderers/nft/elements.js';
import type { Cleanup } from './cleanup.js';

/** Elements added to the exclude set by one committed transaction, as `nft monitor` reported them. */
interface ElementEvent {
  atMs: number;
  elements: string[];
}

export interface SetMonitor {
  /** performance.now() of the first event at or after sinceMs that added exactly `expected`, or undefined. */
  waitFor(expected: readonly string[], sinceMs: number, timeoutMs: number): Promise<number | undefined>;
}

/**
 * Event-driven detection, the alternative to probing: one long-lived `nft -j monitor` in the namespace receives
 * the kernel's netlink notifications, which nf_tables sends when a transaction commits. It costs no CPU between
 * changes, so it does not slow the operator down the way a probe every 5 ms does, and its resolution is the
 * notification delivery time rather than a probe's duration.
 */
export async function startSetMonitor(cleanup: Cleanup, ns: string): Promise<SetMonitor> {
  const child = execa('ip', ['netns', 'exec', ns, 'nft', '-j', 'monitor'], {
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });
  cleanup.add('stop nft monitor', async () => {
    child.kill('SIGTERM');
    await child;
  });
  const events: ElementEvent[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const elements = addedExcludeElements(line);
    if (elements) events.push({ atMs: performance.now(), elements });
    lines.emit('element');
  });
  // nft subscribes to the netlink group right after it starts; a change made before that would be missed.
  await delay(500);
  return {
    async waitFor(expected, sinceMs, timeoutMs) {
      const want = JSON.stringify(expected);
      const signal = AbortSignal.timeout(timeoutMs);
      for (let seen = 0; ;) {
        const hit = events.slice(seen).find((e) => e.atMs >= sinceMs && JSON.stringify(e.elements) === want);
        if (hit) return hit.atMs;
        seen = events.length;
        const next = await once(lines, 'element', { signal }).then(
          () => true,
          () => false,
        );
        if (!next) return undefined;
      }
    },
  };
}

/** The canonical elements of an `add element` event on the operator's exclude set, else undefined. */
function addedExcludeElements(line: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  const element = isObject(doc) && isObject(doc.add) && isObject(doc.add.element) ? doc.add.element : undefined;
  if (!element || element.table !== NAT_TABLE.name || element.name !== EXCLUDE_SET) return undefined;
  const set = isObject(element.elem) && Array.isArray(element.elem.set) ? (element.elem.set as unknown[]) : [];
  return sortElements(set.map(elementFromJson));
}
