import type { NftSet } from './model.js';

/** Converts between canonical element strings and libnftables JSON element values. */
type JsonElement = string | number | { prefix: { addr: string; len: number } } | { range: [unknown, unknown] };

export function elementToJson(type: NftSet['type'], element: string): JsonElement {
  const dash = element.indexOf('-');
  if (dash > 0) {
    const [a, b] = [element.slice(0, dash), element.slice(dash + 1)];
    return type === 'ipv4_addr' ? { range: [a, b] } : { range: [Number(a), Number(b)] };
  }
  if (type !== 'ipv4_addr') return type === 'inet_service' ? Number(element) : element;
  const [addr = '', len = '32'] = element.split('/');
  return len === '32' ? addr : { prefix: { addr, len: Number(len) } };
}

export function elementFromJson(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^\d+\.\d+\.\d+\.\d+$/.test(value) ? `${value}/32` : value;
  if (isObject(value) && isObject(value.elem)) return elementFromJson(value.elem.val);
  if (isObject(value) && isObject(value.prefix)) return `${String(value.prefix.addr)}/${String(value.prefix.len)}`;
  if (isObject(value) && Array.isArray(value.range)) {
    const [a, b] = value.range as unknown[];
    return `${elementFromJson(a).replace(/\/32$/, '')}-${elementFromJson(b).replace(/\/32$/, '')}`;
  }
  return JSON.stringify(value);
}

/** Sort order of the canonical form: numeric by first address/port, so desired and observed sort alike. */
export function sortElements(elements: readonly string[]): string[] {
  return [...elements].sort((a, b) => elementKey(a) - elementKey(b) || a.localeCompare(b));
}

function elementKey(element: string): number {
  const first = element.split(/[-/]/)[0] ?? '';
  if (!first.includes('.')) return Number(first);
  return first.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
