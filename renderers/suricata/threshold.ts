import type { ThresholdEntry } from './model.js';
import { isIpOrCidr } from './net.js';

const THRESHOLD_TYPES = new Set(['limit', 'threshold', 'both']);
const THRESHOLD_TRACKS = new Set(['by_src', 'by_dst', 'by_rule', 'by_both']);
const SUPPRESS_TRACKS = new Set(['by_src', 'by_dst', 'by_either']);

/** threshold.config: one line per entry, every value checked first (the file is read by Suricata's own parser). */
export function renderThresholds(entries: readonly ThresholdEntry[]): string {
  return entries.map((e, i) => `${thresholdLine(e, `thresholds[${i}]`)}\n`).join('');
}

function thresholdLine(entry: ThresholdEntry, field: string): string {
  const n = (name: string, value: number, max = 4_294_967_295): number => {
    if (!Number.isSafeInteger(value) || value < 1 || value > max)
      throw new Error(`suricata model: ${field}.${name} ${String(value)} is not an integer from 1 to ${max}`);
    return value;
  };
  const oneOf = (name: string, value: string, allowed: ReadonlySet<string>): string => {
    if (!allowed.has(value)) throw new Error(`suricata model: ${field}.${name} ${JSON.stringify(value)} is not valid`);
    return value;
  };
  const sid = n('sid', entry.sid);
  if (entry.kind === 'threshold')
    return (
      `threshold gen_id 1, sig_id ${sid}, type ${oneOf('type', entry.type, THRESHOLD_TYPES)}, ` +
      `track ${oneOf('track', entry.track, THRESHOLD_TRACKS)}, count ${n('count', entry.count)}, ` +
      `seconds ${n('seconds', entry.seconds)}`
    );
  if (entry.kind !== 'suppress') throw new Error(`suricata model: ${field} is neither a threshold nor a suppress`);
  if ((entry.track === undefined) !== (entry.ip === undefined))
    throw new Error(`suricata model: ${field} needs track and ip together (or neither)`);
  if (entry.track === undefined || entry.ip === undefined) return `suppress gen_id 1, sig_id ${sid}`;
  if (!isIpOrCidr(entry.ip))
    throw new Error(`suricata model: ${field}.ip ${JSON.stringify(entry.ip)} is not an IP address or CIDR`);
  return `suppress gen_id 1, sig_id ${sid}, track ${oneOf('track', entry.track, SUPPRESS_TRACKS)}, ip ${entry.ip}`;
}
