import type { NftDataType, NftSetRef } from './model.js';

/**
 * Converts between canonical element strings (see NftSet.elements) and libnftables JSON element values.
 * Components of a concatenation are joined by " . "; a map element is "key : value".
 */
type JsonValue = unknown;

const CONCAT = ' . ';
const MAPS_TO = ' : ';

/** Protocol names nft prints for inet_proto values (from its built-in table / /etc/protocols). */
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  sctp: 132,
  udplite: 136,
};

/** The number of a protocol name nft prints (tcp → 6), or undefined for a name it does not know. */
export function protocolNumber(name: string): number | undefined {
  return PROTOCOL_NUMBERS[name];
}

export function typesOf(type: NftDataType | NftDataType[]): NftDataType[] {
  return Array.isArray(type) ? type : [type];
}

/** One canonical element of a set or map as the JSON `elem` entry nft takes. */
export function elementToJson(set: NftSetRef | NftDataType, element: string): JsonValue {
  const ref: NftSetRef = typeof set === 'string' ? { name: '', type: set } : set;
  if (ref.map === undefined) return keyToJson(typesOf(ref.type), element);
  const at = element.indexOf(MAPS_TO);
  const [key, value] = at < 0 ? [element, ''] : [element.slice(0, at), element.slice(at + MAPS_TO.length)];
  const data = ref.map === 'verdict' ? verdictToJson(value) : keyToJson(typesOf(ref.map), value);
  return [keyToJson(typesOf(ref.type), key), data];
}

function keyToJson(types: readonly NftDataType[], key: string): JsonValue {
  const parts = key.split(CONCAT);
  if (types.length === 1) return componentToJson(types[0] ?? 'ipv4_addr', key);
  return { concat: parts.map((part, i) => componentToJson(types[i] ?? 'ipv4_addr', part)) };
}

function componentToJson(type: NftDataType, component: string): JsonValue {
  const dash = component.indexOf('-');
  if (type === 'ipv4_addr') {
    if (dash > 0) return { range: [component.slice(0, dash), component.slice(dash + 1)] };
    const [addr = '', len = '32'] = component.split('/');
    return len === '32' ? addr : { prefix: { addr, len: Number(len) } };
  }
  if (dash > 0) return { range: [Number(component.slice(0, dash)), Number(component.slice(dash + 1))] };
  return /^\d+$/.test(component) ? Number(component) : component;
}

function verdictToJson(verdict: string): JsonValue {
  const [name = '', target] = verdict.split(' ');
  return target === undefined ? { [name]: null } : { [name]: { target } };
}

/** The canonical string of one listed element (a set element, or a map's [key, value] pair). */
export function elementFromJson(value: unknown): string {
  if (Array.isArray(value) && value.length === 2) {
    return `${elementFromJson(value[0])}${MAPS_TO}${dataFromJson(value[1])}`;
  }
  if (isObject(value) && isObject(value.elem)) return elementFromJson(value.elem.val);
  if (isObject(value) && Array.isArray(value.concat)) return value.concat.map(componentFromJson).join(CONCAT);
  return componentFromJson(value);
}

function dataFromJson(value: unknown): string {
  if (isObject(value) && !Array.isArray(value.concat) && !isObject(value.prefix) && !Array.isArray(value.range)) {
    const [verdict, body] = Object.entries(value)[0] ?? ['', null];
    if (isObject(body) && typeof body.target === 'string') return `${verdict} ${body.target}`;
    return verdict;
  }
  return elementFromJson(value);
}

function componentFromJson(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return `${value}/32`;
    const protocol = protocolNumber(value);
    return protocol === undefined ? value : String(protocol);
  }
  if (isObject(value) && isObject(value.prefix)) return `${String(value.prefix.addr)}/${String(value.prefix.len)}`;
  if (isObject(value) && Array.isArray(value.range)) {
    const [a, b] = value.range as unknown[];
    return `${componentFromJson(a).replace(/\/32$/, '')}-${componentFromJson(b).replace(/\/32$/, '')}`;
  }
  return JSON.stringify(value);
}

/**
 * Sort order of the canonical form: component by component, numerically by first address/port, so desired and
 * observed sort alike whatever order nft lists them in.
 */
export function sortElements(elements: readonly string[]): string[] {
  // Array.from, not elements.map: map would build the result with the input's constructor, and input parsed by
  // structuredClone under jest comes from another realm, which isDeepStrictEqual tells apart.
  const keyed = Array.from(elements, (e) => ({ e, key: elementKey(e) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || (a.e < b.e ? -1 : a.e > b.e ? 1 : 0));
  return keyed.map((k) => k.e);
}

/**
 * A sorted element list with elements removed and added, still sorted as sortElements sorts: a set's few changed
 * elements cost O(N) copying and O(log N) comparisons each, not a sort of all N (the in-memory table after a commit).
 */
export function patchSorted(sorted: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const gone = new Set(remove);
  const out = Array.from(gone.size > 0 ? sorted.filter((e) => !gone.has(e)) : sorted);
  for (const e of add) {
    const key = elementKey(e);
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = out[mid]!;
      if ((compareKeys(elementKey(other), key) || (other < e ? -1 : other > e ? 1 : 0)) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (out[lo] !== e) out.splice(lo, 0, e);
  }
  return out;
}

/**
 * The numeric sort key of each component: its first address or number (a name or verdict counts as 0). Parsed by
 * character codes: sorting 10,000+ elements is on the apply path, and a regex split per element doubled its cost.
 */
function elementKey(element: string): number[] {
  const keys: number[] = [];
  let i = 0;
  for (;;) {
    let high = 0;
    let current = 0;
    let dotted = false;
    for (; i < element.length; i += 1) {
      const c = element.charCodeAt(i);
      if (c >= 48 && c <= 57) current = current * 10 + (c - 48);
      else if (c === 46 && element.charCodeAt(i + 1) !== 32) {
        high = high * 256 + current;
        current = 0;
        dotted = true;
      } else break;
    }
    keys.push(dotted ? high * 256 + current : current);
    const separator = element.indexOf(' ', i);
    if (separator < 0) return keys;
    i = separator + 3; // past " . " or " : "
  }
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
