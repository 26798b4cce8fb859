import type { DomainPattern } from '../../policy/domains/pattern.js';

/** detect: every drop/reject is rendered as alert; prevent: rules act as written. */
export type IpsMode = 'detect' | 'prevent';

/** A user's rule line, with where it came from (for error messages and `csgw explain`). */
export interface SourcedRule {
  /** "spec.rules[3]" or "RuleSet web/rules line 12". */
  source: string;
  /** One validated rule line (validateRuleLine accepted it). */
  text: string;
}

/** A packaged rule file (shipped by the Debian package), read at probe time. */
export interface PackagedRuleFile {
  /** Plain file name, e.g. "http-events.rules". */
  name: string;
  content: string;
}

/** threshold.config entries (Suricata's global thresholds), validated. */
export type ThresholdEntry =
  | {
      kind: 'threshold';
      sid: number;
      type: 'limit' | 'threshold' | 'both';
      track: 'by_src' | 'by_dst' | 'by_rule' | 'by_both';
      count: number;
      seconds: number;
    }
  | { kind: 'suppress'; sid: number; track?: 'by_src' | 'by_dst' | 'by_either'; ip?: string };

/** A domain pattern and the DomainFilter resource it came from (names the rule that decides). */
export interface SourcedPattern {
  pattern: DomainPattern;
  filter: string;
}

/** The DomainFilters that apply to forwarded traffic, merged: deny wins, then allow lists (if any) must match. */
export interface DomainRuleInput {
  deny: SourcedPattern[];
  /** undefined: no allow list applies. */
  allow?: SourcedPattern[];
  /** Also match DNS queries (dns.query). */
  dns: boolean;
}

/** Everything suricata.yaml, the rule files and threshold.config are rendered from. Validated before it gets here. */
export interface SuricataModel {
  mode: IpsMode;
  /** failOpen: nfq fail-open (kernel accepts when the queue is full) and exception-policy ignore. */
  failOpen: boolean;
  /** NFQUEUE numbers first .. first+count-1; one worker thread per queue. */
  queues: { first: number; count: number };
  /** HOME_NET (the VPC CIDRs). */
  homeNets: readonly string[];
  /** Absolute directory the revision's files live in (rule files and threshold.config are named from it). */
  revisionDir: string;
  /** pid file, unix command socket. */
  runDir: string;
  /** eve.json and suricata.log. */
  logDir: string;
  /** Packaged rule files selected by the spec, already read. */
  packagedRules: readonly PackagedRuleFile[];
  /** classification.config / reference.config shipped by the package (absolute paths). */
  classificationFile: string;
  referenceFile: string;
  localRules: readonly SourcedRule[];
  domains?: DomainRuleInput;
  /** Rules switched off (commented out) or on (uncommented) by sid, in packaged and local rules alike. */
  disabledSids: readonly number[];
  enabledSids: readonly number[];
  thresholds: readonly ThresholdEntry[];
  /**
   * Established-flow bypass: Suricata stops inspecting a flow (TLS after the handshake, or past afterBytes of
   * stream) and marks its packets with `mark`; the kernel then keeps the flow out of the queue by its conntrack mark.
   */
  bypass?: { mark: number; encrypted: boolean; afterBytes?: number };
  /** eve stats records every this many seconds. */
  statsIntervalSeconds: number;
}

/** sids csgw generates (domain rules); user rules may not use them. */
export const GENERATED_SID_MIN = 9_900_000;
export const GENERATED_SID_MAX = 9_999_999;
