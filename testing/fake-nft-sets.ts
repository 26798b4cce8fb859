// How the fake nft validates and normalises sets and maps: what the kernel refuses for the shapes this project
// writes (prefixes without the interval flag, host bits, overlapping intervals, malformed components).
import { ControllerError } from '../runtime/controller.js';
import type { NftDataType, NftSet, NftSetRef } from '../renderers/nft/model.js';
import { sortElements, typesOf } from '../renderers/nft/elements.js';
import { cidrRange, ipv4ToNumber, type Ipv4Range } from '../runtime/net/cidr.js';

/** The order `nft list` prints set flags in. */
const FLAG_ORDER = ['constant', 'interval', 'timeout', 'dynamic'];
const VERDICTS = ['accept', 'drop', 'continue', 'return'];
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function applyFailed(message: string): ControllerError {
  return new ControllerError('ApplyFailed', `nft rejected the transaction: ${message}`);
}

/** A set as `nft list` shows it: flags in nft's order, elements sorted; throws on what nft refuses. */
export function normaliseSet(set: NftSet): NftSet {
  if (!isIdentifier(set.name)) throw applyFailed(`bad set name "${set.name}"`);
  assertDisjoint(
    set,
    set.elements.map((e) => parseElement(set, e, set.flags.includes('interval'))),
  );
  const flags = [...set.flags].sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b));
  return { ...set, flags, elements: sortElements(set.elements) };
}

/** Adds or deletes elements of a (normalised) set the way `nft add/delete element` does. */
export function changeElements(set: NftSet, ref: NftSetRef, op: 'add' | 'delete', elements: readonly string[]): NftSet {
  const shape = (s: NftSetRef): string => JSON.stringify([typesOf(s.type), s.map ?? null]);
  if (shape(set) !== shape(ref)) throw applyFailed(`set ${set.name}: element type mismatch`);
  const current = new Set(set.elements);
  if (op === 'delete') {
    const missing = elements.find((e) => !current.has(e));
    if (missing !== undefined)
      throw applyFailed(`delete element ${set.name} { ${missing} }: No such file or directory`);
    for (const e of elements) current.delete(e);
  } else for (const e of elements) current.add(e);
  return normaliseSet({ ...set, elements: [...current] });
}

type Box = Ipv4Range[];

function parseElement(set: NftSet, element: string, interval: boolean): Box {
  const bad = (why: string): ControllerError => applyFailed(`set ${set.name}: element "${element}" ${why}`);
  const at = element.indexOf(' : ');
  if ((set.map !== undefined) !== at >= 0) throw bad(set.map !== undefined ? 'has no value' : 'is not a set element');
  const key = at >= 0 ? element.slice(0, at) : element;
  if (set.map !== undefined) parseValue(set.map, element.slice(at + 3), bad);
  const types = typesOf(set.type);
  const parts = key.split(' . ');
  if (parts.length !== types.length) throw bad(`has ${parts.length} components for ${types.length} types`);
  return parts.map((part, i) => parseComponent(types[i] ?? 'ipv4_addr', part, interval, bad));
}

function parseValue(map: NonNullable<NftSet['map']>, value: string, bad: (why: string) => ControllerError): void {
  if (map === 'verdict') {
    const [verdict = '', target] = value.split(' ');
    if (!VERDICTS.includes(verdict) && !(['jump', 'goto'].includes(verdict) && target)) throw bad('has a bad verdict');
    return;
  }
  const types = typesOf(map);
  const parts = value.split(' . ');
  if (parts.length !== types.length) throw bad('has a value of the wrong shape');
  parts.forEach((part, i) => parseComponent(types[i] ?? 'ipv4_addr', part, false, bad));
}

function parseComponent(
  type: NftDataType,
  component: string,
  interval: boolean,
  bad: (why: string) => ControllerError,
): Ipv4Range {
  const range = component.indexOf('-') > 0;
  const parsed =
    type === 'ipv4_addr'
      ? range
        ? parseAddressRange(component, bad)
        : parsePrefix(component, bad)
      : parseNumberRange(component, type === 'inet_proto' ? 255 : 65535, bad);
  const single = parsed.first === parsed.last;
  if (!single && !interval) throw bad("is a prefix or range: add 'flags interval'");
  return parsed;
}

function parseAddressRange(component: string, bad: (why: string) => ControllerError): Ipv4Range {
  const dash = component.indexOf('-');
  const [a, b] = [component.slice(0, dash), component.slice(dash + 1)];
  if (!isIpv4(a) || !isIpv4(b) || ipv4ToNumber(a) > ipv4ToNumber(b)) throw bad('is not a valid range');
  return { first: ipv4ToNumber(a), last: ipv4ToNumber(b) };
}

function parsePrefix(component: string, bad: (why: string) => ControllerError): Ipv4Range {
  const [addr = '', len = ''] = component.split('/');
  if (!isIpv4(addr) || !/^\d+$/.test(len) || Number(len) > 32) throw bad('is not a.b.c.d/len');
  const range = cidrRange(component);
  if (range.first !== ipv4ToNumber(addr)) throw bad('has host bits set');
  return range;
}

function parseNumberRange(component: string, max: number, bad: (why: string) => ControllerError): Ipv4Range {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(component);
  const [first, last] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])];
  if (!m || last > max || first > last) throw bad(`is not a number or range within 0-${max}`);
  return { first, last };
}

/** Interval sets refuse overlapping elements, plain sets duplicate keys: a sweep over the first dimension. */
function assertDisjoint(set: NftSet, boxes: Box[]): void {
  const sorted = [...boxes].sort((a, b) => (a[0]?.first ?? 0) - (b[0]?.first ?? 0));
  for (let i = 0; i < sorted.length; i += 1) {
    const a = sorted[i] ?? [];
    for (let j = i + 1; j < sorted.length && (sorted[j]?.[0]?.first ?? 0) <= (a[0]?.last ?? 0); j += 1) {
      const b = sorted[j] ?? [];
      if (a.every((r, k) => r.first <= (b[k]?.last ?? -1) && (b[k]?.first ?? 0) <= r.last))
        throw applyFailed(`set ${set.name}: conflicting intervals specified (File exists)`);
    }
  }
}

function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(name) && name.length <= 256;
}
