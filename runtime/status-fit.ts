import type { Condition, ControllerStatus, InstanceStatus } from './status-types.js';

/** What SSM accepts as a parameter value, in UTF-8 bytes, per tier. */
/** What a parameter value may hold per tier: Intelligent-Tiering goes Advanced by itself past 4 KB. */
export const SSM_VALUE_LIMIT_BYTES = { Standard: 4096, 'Intelligent-Tiering': 8192, Advanced: 8192 } as const;

/** How hard one step of fitting shrinks: the longest message kept, and how much of the details survives. */
interface Squeeze {
  messageChars: number;
  /** Items kept per array in details, and characters per string; undefined keeps details whole, 0 drops them. */
  detailItems?: number;
  detailChars: number;
  /** Messages of conditions in their healthy state (Ready=True, any other type False) go first: they say little. */
  quietHealthy?: true;
}

/**
 * Gentle first: messages of healthy conditions go, then messages lose their tail before details are cut, and details
 * go before messages are emptied.
 */
const SQUEEZES: readonly Squeeze[] = [
  { messageChars: Infinity, detailChars: Infinity },
  { messageChars: Infinity, detailChars: Infinity, quietHealthy: true },
  { messageChars: 1024, detailItems: 20, detailChars: 256, quietHealthy: true },
  { messageChars: 512, detailItems: 8, detailChars: 128, quietHealthy: true },
  { messageChars: 256, detailItems: 3, detailChars: 64, quietHealthy: true },
  { messageChars: 160, detailItems: 0, detailChars: 0, quietHealthy: true },
  { messageChars: 80, detailItems: 0, detailChars: 0, quietHealthy: true },
  { messageChars: 0, detailItems: 0, detailChars: 0 },
];

const healthy = (c: Condition): boolean => c.status === (c.type === 'Ready' ? 'True' : 'False');

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Serialises a status into at most `limitBytes` UTF-8 bytes (what SSM counts), shrinking messages, then details,
 * step by step until it fits. Deterministic: the same status and limit always give the same document. Conditions keep
 * their type, status, reason, observedGeneration and lastTransitionTime at every step; `truncated` says it was cut.
 */
export function fitStatus(status: InstanceStatus, limitBytes: number): string {
  const whole = JSON.stringify(status);
  if (utf8Bytes(whole) <= limitBytes) return whole;
  for (const squeeze of SQUEEZES.slice(1)) {
    const json = JSON.stringify(squeezeStatus(status, squeeze));
    if (utf8Bytes(json) <= limitBytes) return json;
  }
  const compact = JSON.stringify(compactStatus(status));
  if (utf8Bytes(compact) <= limitBytes) return compact;
  // Only a status with absurdly many controllers gets here: say who wrote it and that it did not fit.
  const minimal = JSON.stringify({
    instanceId: status.instanceId,
    updatedAt: status.updatedAt,
    truncated: true,
    controllers: {},
  });
  return utf8Bytes(minimal) <= limitBytes ? minimal : '{"truncated":true}';
}

function squeezeStatus(status: InstanceStatus, squeeze: Squeeze): InstanceStatus {
  const controllers = Object.fromEntries(
    Object.entries(status.controllers).map(([kind, c]) => [kind, squeezeController(c, squeeze)]),
  );
  return { ...status, controllers, truncated: true };
}

/** The last resort that still says how every controller is: each condition's type, status, reason and generation. */
function compactStatus(status: InstanceStatus): unknown {
  const controllers = Object.fromEntries(
    Object.entries(status.controllers).map(([kind, c]) => [
      kind,
      {
        kind: c.kind,
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.observedGeneration !== undefined ? { observedGeneration: c.observedGeneration } : {}),
        phase: c.phase,
        conditions: c.conditions.map(({ type, status: s, reason, observedGeneration }) => ({
          type,
          status: s,
          reason,
          ...(observedGeneration !== undefined ? { observedGeneration } : {}),
        })),
      },
    ]),
  );
  const { instanceId, gateway, operatorVersion, updatedAt, changes } = status;
  return {
    instanceId,
    gateway,
    operatorVersion,
    updatedAt,
    ...(changes ? { changes } : {}),
    truncated: true,
    controllers,
  };
}

function squeezeController(c: ControllerStatus, squeeze: Squeeze): ControllerStatus {
  const conditions = c.conditions.map((x): Condition => ({
    ...x,
    message: squeeze.quietHealthy && healthy(x) ? '' : summarizeMessage(x.message, squeeze.messageChars),
  }));
  const details =
    squeeze.detailItems === undefined
      ? c.details
      : squeeze.detailItems === 0
        ? {}
        : (squeezeValue(c.details, squeeze.detailItems, squeeze.detailChars) as Record<string, unknown>);
  return { ...c, conditions, details };
}

/** Keeps the first `items` array elements (then "… and N more") and the first `chars` of each string, at any depth. */
function squeezeValue(value: unknown, items: number, chars: number): unknown {
  if (typeof value === 'string') return length(value) <= chars ? value : `${cut(value, chars)}…`;
  if (Array.isArray(value)) {
    const kept = value.slice(0, items).map((v) => squeezeValue(v, items, chars));
    return value.length > items ? [...kept, `… and ${value.length - items} more`] : kept;
  }
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, squeezeValue(v, items, chars)]));
  return value;
}

/** Messages join their parts with "; " (one per error): these are what is de-duplicated and counted. */
const PART_SEPARATOR = '; ';

/**
 * De-duplicates the "; "-separated parts of a message and keeps as many as fit in `maxChars` code points, ending
 * with "… and N more" for the parts left out. A first part that alone is too long is cut.
 */
export function summarizeMessage(message: string, maxChars: number): string {
  const parts = [...new Set(message.split(PART_SEPARATOR))];
  const deduplicated = parts.join(PART_SEPARATOR);
  if (length(deduplicated) <= maxChars) return deduplicated;
  if (maxChars <= 0) return '';
  const shown = partsThatFit(parts, maxChars);
  if (shown > 0)
    return `${parts.slice(0, shown).join(PART_SEPARATOR)}${PART_SEPARATOR}${andMore(parts.length - shown)}`;
  const more = parts.length > 1 ? ` and ${parts.length - 1} more` : '';
  const suffix = `…${more}`;
  return length(suffix) >= maxChars ? cut('…', maxChars) : `${cut(parts[0] ?? '', maxChars - length(suffix))}${suffix}`;
}

const andMore = (n: number): string => `… and ${n} more`;

/** The most leading parts that fit in maxChars together with "; … and N more" for the rest (0 when none do). */
function partsThatFit(parts: readonly string[], maxChars: number): number {
  let best = 0;
  let prefix = -length(PART_SEPARATOR);
  for (let shown = 1; shown < parts.length; shown++) {
    prefix += length(PART_SEPARATOR) + length(parts[shown - 1] ?? '');
    if (prefix > maxChars) break;
    if (prefix + length(PART_SEPARATOR) + length(andMore(parts.length - shown)) <= maxChars) best = shown;
  }
  return best;
}

/** Counts code points, so a cut never splits a surrogate pair. */
const length = (text: string): number => [...text].length;
const cut = (text: string, chars: number): string =>
  length(text) <= chars ? text : [...text].slice(0, chars).join('');
