import type { FirewallPacket } from '../../controllers/firewall/types.js';
import type { InspectSpec, IntrusionPreventionSpec } from '../../controllers/intrusion-prevention/spec.js';
import { parseDomainPattern } from '../../policy/domains/pattern.js';
import { explainDomain, type DomainProtocol } from '../../renderers/suricata/domain-rules.js';
import type { DomainRuleInput } from '../../renderers/suricata/model.js';
import { cidrContains } from '../../runtime/net/cidr.js';

/** The name a connection carries, as --sni or --host give it: the buffer Suricata's domain rules read. */
export interface DomainQuery {
  field: 'tls.sni' | 'http.host';
  /** A host name (lower case, no trailing dot). */
  name: string;
}

/** The IntrusionPrevention singleton as decoded offline (absent: no resource at all). */
export type IpsModel =
  | { state: 'disabled' }
  /** The controller rejects the generation (invalid spec, missing reference) and keeps its last good config. */
  | { state: 'rejected' }
  | { state: 'enabled'; spec: IntrusionPreventionSpec; domains?: DomainRuleInput };

/** What Suricata's DomainFilter rules do with the name; detect mode turns a drop into an alert. */
export interface IpsDomainVerdict extends DomainQuery {
  action: 'pass' | 'drop' | 'alert';
  reason: string;
  sid?: number;
  filter?: string;
  pattern?: string;
}

export interface IpsStep {
  status: 'none' | 'rejected' | 'not-inspected' | 'inspected';
  reason?: string;
  mode?: IntrusionPreventionSpec['mode'];
  failureMode?: IntrusionPreventionSpec['failureMode'];
  /** The spec.inspect entry that queues the packet; absent when spec.inspect is (all forwarded traffic is). */
  inspectEntry?: number;
  domain?: IpsDomainVerdict;
  /** Suricata drops the connection (prevent mode). */
  dropped: boolean;
}

const FIELD_PROTOCOL: Record<DomainQuery['field'], DomainProtocol> = { 'tls.sni': 'tls', 'http.host': 'http' };

/** --sni / --host checked as a host name (the DomainFilter pattern grammar, exact names only). */
export function parseDomainQuery(
  opts: { sni?: string; host?: string },
  protocol: string,
): { ok: true; query?: DomainQuery } | { ok: false; error: string } {
  if (opts.sni !== undefined && opts.host !== undefined)
    return { ok: false, error: '--sni and --host exclude each other: give one' };
  const given = opts.sni ?? opts.host;
  if (given === undefined) return { ok: true };
  const [flag, field] = opts.sni !== undefined ? ['--sni', 'tls.sni' as const] : ['--host', 'http.host' as const];
  // JSON quoting shows the value safely, whatever it holds.
  const shown = `${flag}: ${JSON.stringify(given)}`;
  if (/[\s\p{Cc}]/u.test(given))
    return { ok: false, error: `${shown} is not a host name: it holds spaces or control characters` };
  const parsed = parseDomainPattern(given);
  if ('error' in parsed) return { ok: false, error: `${shown} is ${parsed.error}` };
  if (parsed.match !== 'exact') return { ok: false, error: `${shown} is a pattern, not a host name` };
  if (protocol !== 'tcp')
    return { ok: false, error: `${flag}: the domain rules read ${field} on tcp connections, not ${protocol}` };
  return { ok: true, query: { field, name: parsed.domain } };
}

/**
 * The IPS on a packet the firewall forwarded (its queue rules hook in after the filter chains): whether a
 * spec.inspect entry queues it, and what the DomainFilter rules do with the name it carries. Undefined when there is
 * nothing to say (no IntrusionPrevention resource and no name asked about).
 */
export function explainIps(
  ips: IpsModel | undefined,
  packet: FirewallPacket,
  query: DomainQuery | undefined,
): IpsStep | undefined {
  if (!ips) return query ? { status: 'none', reason: 'no IntrusionPrevention resource', dropped: false } : undefined;
  if (ips.state === 'disabled')
    return { status: 'none', reason: 'IntrusionPrevention is disabled (spec.enable false)', dropped: false };
  if (ips.state === 'rejected')
    return {
      status: 'rejected',
      reason: 'IntrusionPrevention is rejected (see the warning): the gateway keeps its last good configuration',
      dropped: false,
    };
  const { spec } = ips;
  const entry = inspectEntry(spec.inspect, packet);
  if (entry === undefined) return { status: 'not-inspected', reason: 'matches no spec.inspect entry', dropped: false };
  const domain = query ? domainVerdict(ips.domains, query, spec.mode) : undefined;
  return {
    status: 'inspected',
    mode: spec.mode,
    failureMode: spec.failureMode,
    ...(entry === 'all' ? {} : { inspectEntry: entry }),
    ...(domain ? { domain } : {}),
    dropped: domain?.action === 'drop',
  };
}

/** The first spec.inspect entry the packet matches; 'all' without spec.inspect; undefined when none matches. */
function inspectEntry(inspect: readonly InspectSpec[] | undefined, p: FirewallPacket): number | 'all' | undefined {
  if (!inspect) return 'all';
  const index = inspect.findIndex((s) => inspectMatches(s, p));
  return index < 0 ? undefined : index;
}

function inspectMatches(s: InspectSpec, p: FirewallPacket): boolean {
  const within = (cidrs: readonly string[] | undefined, ip: string): boolean =>
    !cidrs || cidrs.some((cidr) => cidrContains(cidr, ip));
  const inPorts = (ports: readonly (number | string)[]): boolean =>
    p.dport !== undefined &&
    ports.some((port) => {
      const [first = 0, last = first] = String(port).split('-').map(Number);
      return p.dport! >= first && p.dport! <= last;
    });
  return (
    within(s.sources, p.src) &&
    within(s.destinations, p.dst) &&
    (s.protocol === 'any' || s.protocol === p.protocol) &&
    (!s.ports || inPorts(s.ports))
  );
}

function domainVerdict(
  domains: DomainRuleInput | undefined,
  query: DomainQuery,
  mode: IntrusionPreventionSpec['mode'],
): IpsDomainVerdict {
  if (!domains) return { ...query, action: 'pass', reason: 'no DomainFilter applies' };
  const e = explainDomain(domains, query.name, FIELD_PROTOCOL[query.field]);
  const action = e.allowed ? 'pass' : mode === 'prevent' ? 'drop' : 'alert';
  return {
    ...query,
    action,
    reason: e.reason,
    ...(e.sid === undefined ? {} : { sid: e.sid }),
    ...(e.filter === undefined ? {} : { filter: e.filter }),
    ...(e.pattern === undefined ? {} : { pattern: e.pattern }),
  };
}

/** The table line of the step. */
export function ipsLine(step: IpsStep): string {
  if (step.status === 'none') return `none: ${step.reason}`;
  if (step.status === 'rejected') return `unknown: ${step.reason}`;
  if (step.status === 'not-inspected') return `not inspected: ${step.reason}`;
  const failure = step.failureMode === 'failClosed' ? 'fail closed' : 'fail open';
  const head = `inspected by Suricata (${step.mode}, ${failure})`;
  return step.domain ? `${head}; ${step.domain.field} ${step.domain.name}: ${domainText(step.domain)}` : head;
}

function domainText(d: IpsDomainVerdict): string {
  const sid = d.sid === undefined ? '' : ` (sid ${d.sid})`;
  if (d.action === 'pass') return `pass, ${d.filter === undefined ? d.reason : `allowed by ${decider(d)}`}${sid}`;
  const drop = `${d.filter === undefined ? `drop, ${d.reason}` : `drop by ${decider(d)}`}${sid}`;
  return d.action === 'drop' ? drop : `would ${drop}, but detect mode only alerts`;
}

function decider(d: IpsDomainVerdict): string {
  return `DomainFilter ${d.filter} ${d.pattern}`;
}

/** The verdict when the IPS drops the connection, naming what decided. */
export function ipsDropVerdict(step: IpsStep): string | undefined {
  if (!step.dropped || !step.domain) return undefined;
  return `DENY (dropped by the IPS: ${step.domain.filter === undefined ? step.domain.reason : decider(step.domain)})`;
}
