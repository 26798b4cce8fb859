import { describe, expect, it } from '@jest/globals';
import type { FirewallPacket } from '../../controllers/firewall/types.js';
import type { IntrusionPreventionSpec } from '../../controllers/intrusion-prevention/spec.js';
import { GENERATED_SID_MIN, type DomainRuleInput } from '../../renderers/suricata/model.js';
import { explainIps, ipsDropVerdict, ipsLine, parseDomainQuery, type IpsModel } from './ips.js';

const SPEC: IntrusionPreventionSpec = {
  enable: true,
  mode: 'prevent',
  failureMode: 'failOpen',
  firstQueue: 0,
  domainFilterDns: false,
  inspect: [
    { sources: ['10.0.0.0/16'], protocol: 'tcp', ports: [443, '8000-8099'] },
    { destinations: ['192.0.2.0/24'], protocol: 'any' },
  ],
};
const DENY: DomainRuleInput = {
  deny: [{ filter: 'corp-deny', pattern: { match: 'suffix', domain: 'bad.example' } }],
  dns: false,
};
const ALLOW: DomainRuleInput = {
  ...DENY,
  allow: [{ filter: 'corp-allow', pattern: { match: 'exact', domain: 'good.example' } }],
};
const enabled = (spec: Partial<IntrusionPreventionSpec>, domains?: DomainRuleInput): IpsModel => ({
  state: 'enabled',
  spec: { ...SPEC, ...spec },
  ...(domains ? { domains } : {}),
});
const tcp = (src: string, dst: string, dport: number): FirewallPacket => ({ src, dst, protocol: 'tcp', dport });
const sni = (name: string) => ({ field: 'tls.sni' as const, name });
const host = (name: string) => ({ field: 'http.host' as const, name });

describe('parseDomainQuery', () => {
  it('takes a host name as the buffer it fills, lower-cased', () => {
    expect(parseDomainQuery({ sni: 'WWW.Bad.Example' }, 'tcp')).toEqual({ ok: true, query: sni('www.bad.example') });
    expect(parseDomainQuery({ host: 'a.example' }, 'tcp')).toEqual({ ok: true, query: host('a.example') });
    expect(parseDomainQuery({}, 'udp')).toEqual({ ok: true });
  });

  it.each([
    [{ sni: 'a b.example' }, 'tcp', '--sni: "a b.example" is not a host name: it holds spaces or control characters'],
    [{ host: 'a\nb.example' }, 'tcp', '--host: "a\\nb.example" is not a host name: it holds spaces or control'],
    [{ sni: '"x.example' }, 'tcp', '--sni: "\\"x.example" is not a domain name: labels are letters'],
    [{ sni: 'bad.example.' }, 'tcp', '--sni: "bad.example." is not a domain name'],
    [{ sni: '10.0.0.1' }, 'tcp', 'no top-level domain is all digits'],
    [{ sni: '.bad.example' }, 'tcp', '--sni: ".bad.example" is a pattern, not a host name'],
    [{ host: '*.bad.example' }, 'tcp', 'is a pattern, not a host name'],
    [{ sni: 'a.example', host: 'a.example' }, 'tcp', '--sni and --host exclude each other'],
    [{ sni: 'a.example' }, 'udp', '--sni: the domain rules read tls.sni on tcp connections, not udp'],
  ])('refuses %j over %s', (opts, protocol, message) => {
    const parsed = parseDomainQuery(opts, protocol);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(message);
  });
});

describe('explainIps', () => {
  it('says nothing without an IntrusionPrevention resource unless a name is asked about', () => {
    expect(explainIps(undefined, tcp('10.0.0.5', '1.1.1.1', 443), undefined)).toBeUndefined();
    const step = explainIps(undefined, tcp('10.0.0.5', '1.1.1.1', 443), sni('a.example'))!;
    expect(ipsLine(step)).toBe('none: no IntrusionPrevention resource');
    expect(ipsLine(explainIps({ state: 'disabled' }, tcp('10.0.0.5', '1.1.1.1', 443), undefined)!)).toMatch(
      /^none: IntrusionPrevention is disabled/,
    );
    expect(ipsLine(explainIps({ state: 'rejected' }, tcp('10.0.0.5', '1.1.1.1', 443), undefined)!)).toMatch(
      /^unknown: IntrusionPrevention is rejected/,
    );
  });

  it.each([
    [tcp('10.0.3.4', '1.1.1.1', 443), 0],
    [tcp('10.0.3.4', '1.1.1.1', 8050), 0],
    [tcp('10.0.3.4', '1.1.1.1', 8100), undefined],
    [tcp('172.16.0.1', '1.1.1.1', 443), undefined],
    [{ ...tcp('10.0.3.4', '1.1.1.1', 443), protocol: 'udp' }, undefined],
    [{ src: '172.16.0.1', dst: '192.0.2.9', protocol: 'icmp' }, 1],
  ] satisfies [FirewallPacket, number | undefined][])('queues %j by spec.inspect entry %s', (packet, entry) => {
    const step = explainIps(enabled({}), packet, undefined)!;
    expect(step.status).toBe(entry === undefined ? 'not-inspected' : 'inspected');
    expect(step.inspectEntry).toBe(entry);
  });

  it('queues all forwarded traffic without spec.inspect', () => {
    const { inspect: _, ...all } = SPEC;
    const step = explainIps(
      { state: 'enabled', spec: all },
      { src: '8.8.8.8', dst: '1.1.1.1', protocol: 'icmp' },
      undefined,
    )!;
    expect(step).toEqual({ status: 'inspected', mode: 'prevent', failureMode: 'failOpen', dropped: false });
    expect(ipsLine(step)).toBe('inspected by Suricata (prevent, fail open)');
  });

  it('drops a denied SNI in prevent mode, naming the filter, pattern and sid', () => {
    const step = explainIps(enabled({}, DENY), tcp('10.0.0.5', '1.1.1.1', 443), sni('www.bad.example'))!;
    expect(step.dropped).toBe(true);
    expect(ipsLine(step)).toBe(
      `inspected by Suricata (prevent, fail open); tls.sni www.bad.example: drop by DomainFilter corp-deny .bad.example (sid ${GENERATED_SID_MIN})`,
    );
    expect(ipsDropVerdict(step)).toBe('DENY (dropped by the IPS: DomainFilter corp-deny .bad.example)');
  });

  it('only alerts in detect mode', () => {
    const step = explainIps(
      enabled({ mode: 'detect', failureMode: 'failClosed' }, DENY),
      tcp('10.0.0.5', '1.1.1.1', 443),
      host('bad.example'),
    )!;
    expect(step.dropped).toBe(false);
    expect(step.domain?.action).toBe('alert');
    // http rules follow the two tls deny rules (the name and its fully qualified twin).
    expect(ipsLine(step)).toBe(
      `inspected by Suricata (detect, fail closed); http.host bad.example: would drop by DomainFilter corp-deny .bad.example (sid ${GENERATED_SID_MIN + 2}), but detect mode only alerts`,
    );
    expect(ipsDropVerdict(step)).toBeUndefined();
  });

  it('passes names under an allow list and drops the rest', () => {
    const model = enabled({}, ALLOW);
    const packet = tcp('10.0.0.5', '1.1.1.1', 443);
    const good = explainIps(model, packet, sni('good.example'))!;
    expect(good.dropped).toBe(false);
    expect(ipsLine(good)).toMatch(
      /tls\.sni good\.example: pass, allowed by DomainFilter corp-allow good\.example \(sid \d+\)$/,
    );
    const other = explainIps(model, packet, sni('other.example'))!;
    expect(ipsLine(other)).toMatch(/tls\.sni other\.example: drop, not on any allow list \(sid \d+\)$/);
    expect(ipsDropVerdict(other)).toBe('DENY (dropped by the IPS: not on any allow list)');
    // deny wins over allow
    expect(explainIps(model, packet, sni('x.bad.example'))!.domain?.filter).toBe('corp-deny');
  });

  it('passes any name when only deny lists or no DomainFilters apply', () => {
    const packet = tcp('10.0.0.5', '1.1.1.1', 443);
    expect(ipsLine(explainIps(enabled({}, DENY), packet, sni('good.example'))!)).toMatch(
      /tls\.sni good\.example: pass, no deny pattern matches$/,
    );
    expect(ipsLine(explainIps(enabled({}), packet, sni('bad.example'))!)).toMatch(
      /tls\.sni bad\.example: pass, no DomainFilter applies$/,
    );
  });

  it('does not evaluate the name of a packet no spec.inspect entry queues', () => {
    const step = explainIps(enabled({}, DENY), tcp('172.16.0.1', '1.1.1.1', 443), sni('www.bad.example'))!;
    expect(step).toEqual({ status: 'not-inspected', reason: 'matches no spec.inspect entry', dropped: false });
    expect(ipsLine(step)).toBe('not inspected: matches no spec.inspect entry');
  });
});
