/**
 * Parsing of Suricata 7 eve.json records. Only the fields listed in EveAlert and EveStats are copied out: payloads,
 * HTTP/TLS/DNS metadata and flow ids never leave this module, so events and status carry no user data beyond
 * addresses and the rule's own msg.
 */

/** What Suricata did with the packet that matched: eve's "allowed" is 'alert', "blocked" (drop, reject) is 'drop'. */
export type AlertAction = 'alert' | 'drop';

export interface EveAlert {
  sid: number;
  rev?: number;
  gid?: number;
  /** The rule's msg (eve alert.signature), control characters removed and length bounded. */
  msg: string;
  action: AlertAction;
  category?: string;
  srcIp: string;
  srcPort?: number;
  destIp: string;
  destPort?: number;
  proto: string;
  appProto?: string;
  timestamp: string;
}

/** The numbers of one eve `stats` record (totals); a counter this Suricata does not report is left out. */
export interface EveStats {
  timestamp?: string;
  /** decoder.pkts / decoder.bytes: packets and bytes Suricata decoded (all that reached it from the queue). */
  decoderPkts?: number;
  decoderBytes?: number;
  /** ips.*: verdicts on queued packets (Suricata 7 capture stats). */
  ipsAccepted?: number;
  ipsBlocked?: number;
  ipsRejected?: number;
  ipsReplaced?: number;
  /** flow_bypassed.*: packets of flows bypassed locally (flow worker) or by the capture method, and bypassed flows closed. */
  bypassedLocalPkts?: number;
  bypassedLocalBytes?: number;
  bypassedCapturePkts?: number;
  bypassedCaptureBytes?: number;
  bypassedFlowsClosed?: number;
  /** detect.alert, detect.alert_queue_overflow, detect.alerts_suppressed. */
  detectAlerts?: number;
  alertQueueOverflow?: number;
  alertsSuppressed?: number;
  /** detect.engines[]: summed over the detection engines (one unless multi-tenant). */
  rulesLoaded?: number;
  rulesFailed?: number;
  rulesSkipped?: number;
  lastReload?: string;
}

/** One eve line: an alert, a drop record, a stats record, another event type (ignored) or an unreadable line. */
export type EveRecord =
  | { kind: 'alert'; alert: EveAlert }
  | { kind: 'drop' }
  | { kind: 'stats'; stats: EveStats }
  | { kind: 'other' }
  | { kind: 'malformed' };

const MAX_MSG = 256;
const MAX_SHORT = 64;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function port(value: unknown): number | undefined {
  const n = count(value);
  return n !== undefined && n <= 65535 ? n : undefined;
}

/** A printable, bounded copy of a string field (strings from the wire and from rules reach events and logs). */
function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return clean === '' ? undefined : clean.slice(0, max);
}

/** Copies only defined values, so optional fields are absent rather than undefined. */
function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

const ACTIONS: Record<string, AlertAction> = { allowed: 'alert', blocked: 'drop' };

/** The alert of an eve alert record, or undefined when a required field is missing or out of range. */
export function parseAlert(record: Json): EveAlert | undefined {
  const alert = record.alert;
  if (!isObject(alert)) return undefined;
  const sid = count(alert.signature_id);
  const action = typeof alert.action === 'string' ? ACTIONS[alert.action] : undefined;
  const msg = text(alert.signature, MAX_MSG);
  const srcIp = text(record.src_ip, MAX_SHORT);
  const destIp = text(record.dest_ip, MAX_SHORT);
  const proto = text(record.proto, MAX_SHORT);
  const timestamp = text(record.timestamp, MAX_SHORT);
  if (sid === undefined || !action || !msg || !srcIp || !destIp || !proto || !timestamp) return undefined;
  return defined<EveAlert>({
    sid,
    rev: count(alert.rev),
    gid: count(alert.gid),
    msg,
    action,
    category: text(alert.category, MAX_MSG),
    srcIp,
    srcPort: port(record.src_port),
    destIp,
    destPort: port(record.dest_port),
    proto,
    appProto: text(record.app_proto, MAX_SHORT),
    timestamp,
  });
}

function engineTotals(engines: unknown): Pick<EveStats, 'rulesLoaded' | 'rulesFailed' | 'rulesSkipped' | 'lastReload'> {
  if (!Array.isArray(engines) || engines.length === 0) return {};
  const sum = (key: string): number | undefined => {
    const values = engines.map((e) => count(at(e, key))).filter((n): n is number => n !== undefined);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  return {
    rulesLoaded: sum('rules_loaded'),
    rulesFailed: sum('rules_failed'),
    rulesSkipped: sum('rules_skipped'),
    lastReload: text(at(engines[0], 'last_reload'), MAX_SHORT),
  };
}

/** The numbers of an eve stats record; tolerant of any counter missing (older versions, disabled modules). */
export function parseStats(record: Json): EveStats | undefined {
  const stats = record.stats;
  if (!isObject(stats)) return undefined;
  return defined<EveStats>({
    timestamp: text(record.timestamp, MAX_SHORT),
    decoderPkts: count(at(stats, 'decoder', 'pkts')),
    decoderBytes: count(at(stats, 'decoder', 'bytes')),
    ipsAccepted: count(at(stats, 'ips', 'accepted')),
    ipsBlocked: count(at(stats, 'ips', 'blocked')),
    ipsRejected: count(at(stats, 'ips', 'rejected')),
    ipsReplaced: count(at(stats, 'ips', 'replaced')),
    bypassedLocalPkts: count(at(stats, 'flow_bypassed', 'local_pkts')),
    bypassedLocalBytes: count(at(stats, 'flow_bypassed', 'local_bytes')),
    bypassedCapturePkts: count(at(stats, 'flow_bypassed', 'pkts')),
    bypassedCaptureBytes: count(at(stats, 'flow_bypassed', 'bytes')),
    bypassedFlowsClosed: count(at(stats, 'flow_bypassed', 'closed')),
    detectAlerts: count(at(stats, 'detect', 'alert')),
    alertQueueOverflow: count(at(stats, 'detect', 'alert_queue_overflow')),
    alertsSuppressed: count(at(stats, 'detect', 'alerts_suppressed')),
    ...engineTotals(at(stats, 'detect', 'engines')),
  });
}

/** Classifies and parses one eve line (without its newline). Blank lines are 'other'. */
export function parseEveLine(line: string): EveRecord {
  if (line.trim() === '') return { kind: 'other' };
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { kind: 'malformed' };
  }
  if (!isObject(record) || typeof record.event_type !== 'string') return { kind: 'malformed' };
  switch (record.event_type) {
    case 'alert': {
      const alert = parseAlert(record);
      return alert ? { kind: 'alert', alert } : { kind: 'malformed' };
    }
    case 'drop':
      return { kind: 'drop' };
    case 'stats': {
      const stats = parseStats(record);
      return stats ? { kind: 'stats', stats } : { kind: 'malformed' };
    }
    default:
      return { kind: 'other' };
  }
}
