import type { DomainFilterSpec } from '../../policy/domains/policy.js';
import { parseDomainPattern, type DomainPattern } from '../../policy/domains/pattern.js';
import type { DomainRuleInput, SourcedPattern, SourcedRule, SuricataModel } from '../../renderers/suricata/model.js';
import { renderSuricata } from '../../renderers/suricata/render.js';
import { revisionHash } from '../../runtime/daemon/revisions.js';
import type { IpsFacts } from './facts.js';
import { queueArgs, suricataReadiness } from './suricata-daemon.js';
import type { IntrusionPreventionSpec } from './spec.js';
import type { IpsRevision, QueueSpec } from './types.js';

/** How often Suricata writes its stats record to eve.json. */
const STATS_INTERVAL_SECONDS = 5;
const PLACEHOLDER_DIR = '/csgw-revision';
/** The conntrack (and packet) mark bit of a bypassed flow: high, clear of the low bits other tools tend to use. */
export const BYPASS_MARK = 0x20000000;

export interface ResolvedInputs {
  rules: readonly SourcedRule[];
  filters: readonly { name: string; spec: DomainFilterSpec }[];
}

/** The queue part of the spec: which forwarded packets go to which queues. */
export function queueSpec(spec: IntrusionPreventionSpec, facts: IpsFacts): QueueSpec {
  return {
    selectors: (spec.inspect ?? []).map((s) => ({
      sources: s.sources ?? [],
      destinations: s.destinations ?? [],
      protocol: s.protocol,
      ports: (s.ports ?? []).map(String),
    })),
    first: spec.firstQueue,
    count: queueCount(spec, facts),
    bypass: spec.failureMode === 'failOpen',
    ...(spec.bypass ? { bypassMark: BYPASS_MARK } : {}),
  };
}

function queueCount(spec: IntrusionPreventionSpec, facts: IpsFacts): number {
  return spec.queues ?? Math.max(1, Math.min(64, facts.cores));
}

/** Deny patterns, and allow patterns when any allow list applies, each with the filter it came from. */
export function domainInput(filters: ResolvedInputs['filters'], dns: boolean): DomainRuleInput | undefined {
  if (filters.length === 0) return undefined;
  const of = (mode: 'allow' | 'deny'): SourcedPattern[] =>
    filters
      .filter((f) => f.spec.mode === mode)
      .flatMap((f) =>
        f.spec.domains
          .map(parseDomainPattern)
          .filter((p): p is DomainPattern => !('error' in p))
          .map((pattern) => ({ pattern, filter: f.name })),
      );
  const hasAllow = filters.some((f) => f.spec.mode === 'allow');
  return { deny: of('deny'), ...(hasAllow ? { allow: of('allow') } : {}), dns };
}

export function suricataModel(
  spec: IntrusionPreventionSpec,
  inputs: ResolvedInputs,
  facts: IpsFacts,
  revisionDir: string,
): SuricataModel {
  const packaged = facts.packaged();
  const wanted = spec.packagedRules ?? [];
  const domains = domainInput(inputs.filters, spec.domainFilterDns);
  return {
    mode: spec.mode,
    failOpen: spec.failureMode === 'failOpen',
    queues: { first: spec.firstQueue, count: queueCount(spec, facts) },
    homeNets: facts.vpcCidrs.length > 0 ? facts.vpcCidrs : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
    revisionDir,
    runDir: facts.paths.runDir,
    logDir: facts.paths.logDir,
    packagedRules: packaged.files.filter((f) => wanted.includes('*') || wanted.includes(f.name)),
    classificationFile: packaged.classificationFile,
    referenceFile: packaged.referenceFile,
    localRules: inputs.rules,
    ...(domains ? { domains } : {}),
    disabledSids: spec.disabledSids ?? [],
    enabledSids: spec.enabledSids ?? [],
    thresholds: [
      ...(spec.thresholds ?? []).map((t) => ({ kind: 'threshold' as const, ...t })),
      ...(spec.suppress ?? []).map((s) => ({ kind: 'suppress' as const, ...s })),
    ],
    statsIntervalSeconds: STATS_INTERVAL_SECONDS,
    ...(spec.bypass ? { bypass: { mark: BYPASS_MARK, ...spec.bypass } } : {}),
  };
}

/**
 * Renders the revision. Its files name each other by the revision's directory, which is named by the content hash:
 * the hash is taken over a rendering with a placeholder directory, then the files are rendered for the real one.
 */
export function ipsRevision(spec: IntrusionPreventionSpec, inputs: ResolvedInputs, facts: IpsFacts): IpsRevision {
  const args = queueArgs(spec.firstQueue, queueCount(spec, facts));
  // The start arguments are part of what runs: other queues are another revision (planDaemon compares hashes).
  const argsFile = { name: 'start-arguments', content: args.join(' '), mode: 0o644 };
  const placeholder = renderSuricata(suricataModel(spec, inputs, facts, PLACEHOLDER_DIR)).files;
  const hash = revisionHash([...placeholder, argsFile]);
  const rendered = renderSuricata(suricataModel(spec, inputs, facts, facts.revisionDir(hash)));
  return {
    hash,
    files: rendered.files,
    restartKey: rendered.restartKey,
    args,
    ruleCount: rendered.ruleCount,
    ready: suricataReadiness(facts.paths),
  };
}
