import { formatDomainPattern, patternMatches, type DomainPattern } from '../../policy/domains/pattern.js';
import { GENERATED_SID_MAX, GENERATED_SID_MIN, type DomainRuleInput, type SourcedPattern } from './model.js';

export type DomainProtocol = 'tls' | 'http' | 'dns';

/** One generated rule and what it stands for (explainDomain reads the same list the rule file is written from). */
interface DomainRule {
  sid: number;
  protocol: DomainProtocol;
  kind: 'deny' | 'allow' | 'default';
  source?: SourcedPattern;
  /** The twin of a deny rule for the name written fully qualified (`bad.example.`), which servers accept too. */
  rooted?: true;
  text: string;
}

export interface DomainExplanation {
  allowed: boolean;
  reason: string;
  sid?: number;
  filter?: string;
  pattern?: string;
}

const ALLOWED_BIT = 'csgw.domain.allowed';

/** Per protocol: the sticky buffer, what else the rule needs, and how a rule sees a request of that protocol. */
const PROTOCOLS: Record<DomainProtocol, { buffer: string; flow: string; nocase: boolean; anyRequest: string }> = {
  // The SNI is as the client wrote it. A client hello without SNI matches no pattern: dropped under an allow list.
  tls: { buffer: 'tls.sni', flow: 'to_server,established', nocase: true, anyRequest: 'ssl_state:client_hello;' },
  // http.host is normalised (lower case, no port): nocase there is refused as pointless. The header names buffer
  // is complete when the Host is (request headers progress), and always starts with CRLF.
  http: {
    buffer: 'http.host',
    flow: 'to_server,established',
    nocase: false,
    anyRequest: 'http.header_names; content:"|0d 0a|"; startswith;',
  },
  dns: { buffer: 'dns.query', flow: 'to_server', nocase: true, anyRequest: 'dns.query; content:!"|00|";' },
};

/** Filter names and domains reach a quoted msg and a content: nothing that could end either may pass. */
// Resource names (the DomainFilter kind's name pattern): nothing in them can end a quoted msg.
const SAFE_FILTER = /^[A-Za-z0-9_.-]{1,128}$/;
const SAFE_DOMAIN = /^[a-z0-9.-]{1,253}$/;

/**
 * The rules of domains.rules, AWS Network Firewall style on TLS SNI, HTTP Host and (optionally) DNS queries. Deny
 * patterns are drop rules. Allow patterns set a flowbit and one rule per protocol drops requests where it is unset:
 * a drop rule always fires, so a deny pattern wins over an allow pattern. The flowbit setters are alert rules, and
 * Suricata orders rules by action first: suricata.yaml puts alert before drop (action-order) so the setters run
 * before the default drop on the same packet.
 */
export function compileDomainRules(input: DomainRuleInput): string[] {
  return domainRules(input).map((r) => r.text);
}

/** The verdict the rules of compileDomainRules reach for a name, and the rule that reaches it. */
export function explainDomain(input: DomainRuleInput, name: string, protocol: DomainProtocol): DomainExplanation {
  if (protocol === 'dns' && !input.dns) return { allowed: true, reason: 'DNS queries are not filtered' };
  const rules = domainRules(input).filter((r) => r.protocol === protocol);
  const decide = (kind: DomainRule['kind']): DomainRule | undefined =>
    rules.find((r) => r.kind === kind && r.source !== undefined && patternMatches(r.source.pattern, name));
  const denied = decide('deny');
  if (denied) return explained(false, 'denied by', denied);
  if (input.allow === undefined) return { allowed: true, reason: 'no deny pattern matches' };
  const allowed = decide('allow');
  if (allowed) return explained(true, 'allowed by', allowed);
  const fallback = rules.find((r) => r.kind === 'default');
  return { allowed: false, reason: 'not on any allow list', ...(fallback ? { sid: fallback.sid } : {}) };
}

function explained(allowed: boolean, verb: string, rule: DomainRule): DomainExplanation {
  const pattern = formatDomainPattern(rule.source!.pattern);
  const filter = rule.source!.filter;
  return { allowed, reason: `${verb} ${pattern} (DomainFilter ${filter})`, sid: rule.sid, filter, pattern };
}

/** All generated rules in sid order: deny, then allow setters, then the default drops; per protocol within each. */
function domainRules(input: DomainRuleInput): DomainRule[] {
  const protocols: DomainProtocol[] = input.dns ? ['tls', 'http', 'dns'] : ['tls', 'http'];
  const deny = ordered(input.deny);
  const allow = input.allow === undefined ? undefined : ordered(input.allow);
  const specs: Omit<DomainRule, 'sid' | 'text'>[] = [
    ...protocols.flatMap((protocol) =>
      deny.flatMap((source) => [
        { protocol, kind: 'deny' as const, source },
        ...(protocol === 'dns' ? [] : [{ protocol, kind: 'deny' as const, source, rooted: true as const }]),
      ]),
    ),
    ...(allow === undefined
      ? []
      : [
          ...protocols.flatMap((protocol) => allow.map((source) => ({ protocol, kind: 'allow' as const, source }))),
          ...protocols.map((protocol) => ({ protocol, kind: 'default' as const })),
        ]),
  ];
  if (specs.length > GENERATED_SID_MAX - GENERATED_SID_MIN + 1)
    throw new Error(`domain rules: ${specs.length} rules do not fit the generated sid range`);
  return specs.map((spec, i) => {
    const sid = GENERATED_SID_MIN + i;
    return { ...spec, sid, text: ruleText(spec, sid) };
  });
}

/** Sorted by filter, then pattern, duplicates dropped: the sids do not depend on the order filters were listed in. */
function ordered(patterns: readonly SourcedPattern[]): SourcedPattern[] {
  const key = (p: SourcedPattern): string => `${p.filter}\0${formatDomainPattern(p.pattern)}`;
  const unique = new Map(patterns.map((p) => [key(p), p]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}

function ruleText(spec: Omit<DomainRule, 'sid' | 'text'>, sid: number): string {
  const proto = PROTOCOLS[spec.protocol];
  const head = (action: string, msg: string): string =>
    `${action} ${spec.protocol} any any -> any any (msg:"${msg} (${proto.buffer})"; flow:${proto.flow};`;
  const tail = `sid:${sid}; rev:1;)`;
  if (spec.kind === 'default')
    return `${head('drop', 'csgw domain not on an allow list')} ${proto.anyRequest} flowbits:isnotset,${ALLOWED_BIT}; ${tail}`;
  const { filter, pattern } = assertSafe(spec.source!);
  const msg = `csgw domain ${spec.kind} ${filter} ${formatDomainPattern(pattern)}`;
  const match = `${proto.buffer}; ${contentMatch(pattern, proto.nocase, spec.rooted === true)}`;
  return spec.kind === 'deny'
    ? `${head('drop', msg)} ${match} ${tail}`
    : `${head('alert', msg)} ${match} flowbits:set,${ALLOWED_BIT}; flowbits:noalert; ${tail}`;
}

/**
 * exact a.b: the whole buffer (bsize); suffix .a.b: a.b or a name under it (dotprefix turns a.b into .a.b);
 * subdomains *.a.b: a name under it only (without dotprefix, a.b itself does not end with .a.b).
 */
function contentMatch({ match, domain }: DomainPattern, nocase: boolean, rooted: boolean): string {
  const nc = nocase ? ' nocase;' : '';
  const name = rooted ? `${domain}.` : domain;
  if (match === 'exact') return `content:"${name}";${nc} bsize:${name.length};`;
  if (match === 'suffix') return `dotprefix; content:".${name}";${nc} endswith;`;
  return `content:".${name}";${nc} endswith;`;
}

function assertSafe(source: SourcedPattern): SourcedPattern {
  if (!SAFE_FILTER.test(source.filter))
    throw new Error(`domain rules: filter name ${JSON.stringify(source.filter)} cannot be written into a rule`);
  if (!SAFE_DOMAIN.test(source.pattern.domain))
    throw new Error(`domain rules: domain ${JSON.stringify(source.pattern.domain)} cannot be written into a rule`);
  return source;
}
