import YAML from 'yaml';

/** kubectl separates columns by three spaces; so do we, so users' awk/cut habits carry over. */
const GAP = '   ';

/** Left-aligned columns sized to their widest cell; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columnWidths(headers, rows);
  return [headers, ...rows].map((row) => formatRow(row, widths)).join('\n') + '\n';
}

export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
}

/** Wide characters (CJK, emoji) that take two terminal columns. */
const WIDE =
  /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|\p{Extended_Pictographic}/u;

/**
 * Terminal columns a cell takes: code points, not UTF-16 units (an astral character is one), combining marks none and
 * wide characters two. String.length would pad a cell holding "…" or an emoji wrongly and shift every later column.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /\p{M}/u.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

/** One row padded to the given widths (used to keep streamed rows aligned with an earlier table). */
export function formatRow(row: readonly string[], widths: readonly number[]): string {
  return row
    .map((cell, i) =>
      i === row.length - 1 ? cell : cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell))),
    )
    .join(GAP)
    .trimEnd();
}

/** Coarse kubectl-style age: 45s, 12m, 3h, 5d. */
export function formatAge(since: Date | undefined, now: Date): string {
  if (!since || Number.isNaN(since.getTime())) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** How one value shows in a table cell: lists comma-joined, objects as compact JSON, missing as <none>. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '<none>';
  if (Array.isArray(value)) return value.length === 0 ? '<none>' : value.map(formatListItem).join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function formatListItem(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Follows a dotted path ('spec.conntrack.max') through plain objects; undefined when any step is missing. */
export function valueAtPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export type StructuredFormat = 'json' | 'yaml';

/** Pretty JSON or YAML, always newline-terminated. */
export function formatStructured(value: unknown, format: StructuredFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : YAML.stringify(value);
}
