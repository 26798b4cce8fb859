import { formatPortRange, type PortRange } from '../../policy/ports.js';
import { targetPorts, type Forward } from './forwards.js';
import {
  ANY_SOURCE,
  EXACT_MAPS,
  INTERVAL_MAPS,
  PROTOCOL_NUMBERS,
  TARGET_RANGES_SET,
  TARGETS_SET,
  type ForwardMaps,
} from './names.js';

/** Receives elements one by one, with the map or set each belongs to (canonical strings: renderers/nft/model.ts). */
export type ElementSink = (set: string, element: string) => void;

/** Whether a forward's source goes to the exact-match maps: any source, one listen port. */
function isExact(forward: Forward, source: string): boolean {
  return source === ANY_SOURCE && forward.listen.first === forward.listen.last;
}

/** "protocol . port": the exact-match key (meta l4proto . th dport). */
function exactKey(protocol: Forward['protocol'], port: number): string {
  return `${PROTOCOL_NUMBERS[protocol]} . ${port}`;
}

/** "ports . protocol . source": the interval key (th dport . meta l4proto . ip saddr), port first. */
function intervalKey(source: string, protocol: Forward['protocol'], ports: PortRange): string {
  return `${formatPortRange(ports)} . ${PROTOCOL_NUMBERS[protocol]} . ${source}`;
}

/**
 * Emits a forward's map elements, one key per allowed source, each in the layout its source and ports call for, and
 * returns the keys. Straight into the sink: this runs for every forward on every compile (10,000+).
 */
export function addForwardElements(forward: Forward, sink: ElementSink): string[] {
  const ip = `${forward.destinationIp}/32`;
  const port = forward.destinationPort;
  return forward.sources.map((source) => {
    const exact = isExact(forward, source);
    const maps: ForwardMaps = exact ? EXACT_MAPS : INTERVAL_MAPS;
    const key = exact
      ? exactKey(forward.protocol, forward.listen.first)
      : intervalKey(source, forward.protocol, forward.listen);
    if (port === undefined) sink(maps.keep, `${key} : ${ip}`);
    else {
      sink(maps.addr, `${key} : ${ip}`);
      sink(maps.port, `${key} : ${port}`);
    }
    return key;
  });
}

/**
 * Targets of masquerading forwards. Single ports are exact (address . protocol . port), duplicates once: forwards
 * may share a target. Ranges go port first into the interval set, overlapping ranges of one address and protocol
 * merged (an interval set refuses overlapping elements), adjacent ones kept apart as nft lists them.
 */
export function addMasqueradeTargets(forwards: readonly Forward[], sink: ElementSink): void {
  const exact = new Set<string>();
  const ranges = new Map<string, PortRange[]>();
  for (const f of forwards) {
    if (!f.masquerade) continue;
    const ports = targetPorts(f);
    const protocol = PROTOCOL_NUMBERS[f.protocol];
    if (ports.first === ports.last) exact.add(`${f.destinationIp}/32 . ${protocol} . ${ports.first}`);
    else {
      const key = `${protocol} . ${f.destinationIp}/32`;
      const list = ranges.get(key);
      if (list) list.push(ports);
      else ranges.set(key, [ports]);
    }
  }
  const merged = [...ranges].flatMap(([key, list]) => mergeRanges(list).map((r) => `${formatPortRange(r)} . ${key}`));
  for (const element of exact) sink(TARGETS_SET, element);
  for (const element of merged) sink(TARGET_RANGES_SET, element);
}

function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const merged: PortRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.first - b.first)) {
    const last = merged[merged.length - 1];
    if (last && r.first <= last.last) last.last = Math.max(last.last, r.last);
    else merged.push({ ...r });
  }
  return merged;
}
