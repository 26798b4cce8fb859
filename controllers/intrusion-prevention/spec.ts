import { GENERATED_SID_MAX, GENERATED_SID_MIN, type SourcedRule } from '../../renderers/suricata/model.js';
import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import { checkCidrList } from '../../runtime/net/cidr.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import { validateRuleSet } from '../../renderers/suricata/rule-set.js';

export type PortSpec = number | string;

export interface InspectSpec {
  sources?: string[];
  destinations?: string[];
  protocol: 'tcp' | 'udp' | 'icmp' | 'any';
  ports?: PortSpec[];
}

/** The spec after schema validation (defaults applied). */
export interface IntrusionPreventionSpec {
  enable: boolean;
  mode: 'detect' | 'prevent';
  failureMode: 'failOpen' | 'failClosed';
  queues?: number;
  firstQueue: number;
  inspect?: InspectSpec[];
  bypass?: { encrypted: boolean; afterBytes?: number };
  rules?: string[];
  ruleSets?: string[];
  packagedRules?: string[];
  disabledSids?: number[];
  enabledSids?: number[];
  thresholds?: {
    sid: number;
    type: 'limit' | 'threshold' | 'both';
    track: ThresholdTrack;
    count: number;
    seconds: number;
  }[];
  suppress?: { sid: number; track?: 'by_src' | 'by_dst' | 'by_either'; ip?: string }[];
  domainFilters?: string[];
  domainFilterDns: boolean;
}

type ThresholdTrack = 'by_src' | 'by_dst' | 'by_rule' | 'by_both';

const validator = new SpecValidator([intrusionPreventionKind]);

/** Schema, then what a schema cannot say: CIDRs, port ranges, every rule line, queue numbers. */
export function validateIntrusionPreventionSpec(raw: unknown): Validation<IntrusionPreventionSpec> {
  const result = validator.validate<IntrusionPreventionSpec>(intrusionPreventionKind, raw);
  if (!result.ok) return result;
  const spec = result.value;
  const errors = [
    ...(spec.inspect ?? []).flatMap((s, i) => checkInspect(`spec.inspect[${i}]`, s)),
    ...ruleErrors((spec.rules ?? []).map((text, i) => ({ source: `spec.rules[${i}]`, text }))),
    ...(spec.suppress ?? []).flatMap((s, i) =>
      s.ip && !s.track ? [`spec.suppress[${i}]: ip needs track (by_src, by_dst or by_either)`] : [],
    ),
    ...generatedSidErrors(spec),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}

/** The errors of a list of rule lines (none when every line is one valid rule and no sid repeats). */
export function ruleErrors(rules: readonly SourcedRule[]): string[] {
  const checked = validateRuleSet(rules);
  return checked.ok ? [] : checked.errors;
}

/**
 * csgw's own rules (domain rules) are numbered by position: a sid there names another rule after the next DomainFilter
 * change, so switching one off or thresholding it would silently hit another.
 */
function generatedSidErrors(spec: IntrusionPreventionSpec): string[] {
  const fields: [string, readonly number[]][] = [
    ['spec.disabledSids', spec.disabledSids ?? []],
    ['spec.enabledSids', spec.enabledSids ?? []],
    ['spec.thresholds', (spec.thresholds ?? []).map((t) => t.sid)],
    ['spec.suppress', (spec.suppress ?? []).map((t) => t.sid)],
  ];
  return fields.flatMap(([field, sids]) =>
    sids
      .filter((sid) => sid >= GENERATED_SID_MIN && sid <= GENERATED_SID_MAX)
      .map(
        (sid) => `${field}: sid ${sid} is one of csgw's own (${GENERATED_SID_MIN}-${GENERATED_SID_MAX}), which move`,
      ),
  );
}

/** iptables' multiport holds 15 ports, a range taking two. */
const MULTIPORT_SLOTS = 15;

function checkInspect(field: string, s: InspectSpec): string[] {
  const ports = s.ports ?? [];
  const needsL4 =
    ports.length > 0 && s.protocol !== 'tcp' && s.protocol !== 'udp'
      ? [`${field}.ports: ports need protocol tcp or udp`]
      : [];
  const reversed = ports.flatMap((p, i) => {
    const [first = 0, last = first] = String(p).split('-').map(Number);
    return first < 1 || last > 65535 || first > last
      ? [`${field}.ports[${i}]: ${JSON.stringify(p)} is not a port range`]
      : [];
  });
  const slots = ports.reduce<number>((n, p) => n + (String(p).includes('-') ? 2 : 1), 0);
  const tooMany =
    slots > MULTIPORT_SLOTS
      ? [`${field}.ports: ${slots} port slots (a range counts 2); at most ${MULTIPORT_SLOTS}: split the entry`]
      : [];
  return [
    ...tooMany,
    ...checkCidrList(`${field}.sources`, s.sources ?? []),
    ...checkCidrList(`${field}.destinations`, s.destinations ?? []),
    ...needsL4,
    ...reversed,
  ];
}
