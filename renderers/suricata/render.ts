import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { RenderedFile } from '../../runtime/daemon/files.js';
import { compileDomainRules } from './domain-rules.js';
import { assertRenderable } from './guard.js';
import type { SuricataModel } from './model.js';
import { countRules, switchRules, toDetectMode, type SidSwitches } from './rule-files.js';
import { SURICATA_YAML_TEMPLATE } from './template.js';
import { renderThresholds } from './threshold.js';
import { ADDRESS_VARS, PORT_VARS } from './vars.js';

// Compiled once. strict: a field the template names but the view lacks throws instead of rendering as blank.
const renderYaml = Handlebars.compile<YamlView>(SURICATA_YAML_TEMPLATE, { noEscape: true, strict: true });

const MODE_PUBLIC = 0o644;

export interface SuricataRender {
  files: RenderedFile[];
  /** Changes only with what a rule reload cannot apply: a different key means restart Suricata. */
  restartKey: string;
  /** Active (uncommented) rules over all rule files. */
  ruleCount: number;
}

interface YamlView {
  homeNet: string;
  addressVars: { name: string; value: string }[];
  portVars: { name: string; value: string }[];
  revisionDir: string;
  ruleFiles: string[];
  classificationFile: string;
  referenceFile: string;
  logDir: string;
  runDir: string;
  statsInterval: number;
  failOpen: 'yes' | 'no';
  exceptionPolicy: 'ignore' | 'auto';
  /** Always present (strict templates): `enabled` false renders no bypass keys. */
  bypass: { enabled: boolean; mark: string; encrypted: boolean; depth: number | false };
}

/** suricata.yaml, the rule files and threshold.config of one configuration revision. */
export function renderSuricata(model: SuricataModel): SuricataRender {
  assertRenderable(model);
  const ruleFiles = renderRuleFiles(model);
  const view = yamlView(model, ruleFiles);
  return {
    files: [
      { name: 'suricata.yaml', content: renderYaml(view), mode: MODE_PUBLIC },
      ...ruleFiles.map((f) => ({ ...f, mode: MODE_PUBLIC })),
      { name: 'threshold.config', content: renderThresholds(model.thresholds), mode: MODE_PUBLIC },
    ],
    restartKey: restartKeyOf(model, view),
    ruleCount: ruleFiles.reduce((sum, f) => sum + countRules(f.content), 0),
  };
}

/**
 * A rule reload (reload-rules) re-reads suricata.yaml for the variables, the rule files and the files they name
 * (classification, reference, threshold), so those may change without a restart: HOME_NET is among them. The rest
 * of the yaml (outputs, nfq, stream, paths of logs and socket), and the queues Suricata was started on, need one.
 */
function restartKeyOf(model: SuricataModel, view: YamlView): string {
  const reloadable = {
    homeNet: '',
    revisionDir: '',
    ruleFiles: [],
    classificationFile: '',
    referenceFile: '',
  } satisfies Partial<YamlView>;
  const fixed = renderYaml({ ...view, ...reloadable });
  const queues = `queues ${model.queues.first}+${model.queues.count}`;
  return createHash('sha256').update(`${queues}\n${fixed}`).digest('hex');
}

function yamlView(model: SuricataModel, ruleFiles: readonly { name: string }[]): YamlView {
  const entries = (vars: Readonly<Record<string, string>>): YamlView['addressVars'] =>
    Object.entries(vars)
      .filter(([name]) => name !== 'HOME_NET')
      .map(([name, value]) => ({ name, value }));
  return {
    homeNet: `[${model.homeNets.join(',')}]`,
    addressVars: entries(ADDRESS_VARS),
    portVars: entries(PORT_VARS),
    revisionDir: model.revisionDir,
    ruleFiles: ruleFiles.map((f) => f.name),
    classificationFile: model.classificationFile,
    referenceFile: model.referenceFile,
    logDir: model.logDir,
    runDir: model.runDir,
    statsInterval: model.statsIntervalSeconds,
    failOpen: model.failOpen ? 'yes' : 'no',
    exceptionPolicy: model.failOpen ? 'ignore' : 'auto',
    bypass: {
      enabled: model.bypass !== undefined,
      mark: `0x${(model.bypass?.mark ?? 0).toString(16)}`,
      encrypted: model.bypass?.encrypted ?? false,
      depth: model.bypass?.afterBytes ?? false,
    },
  };
}

/** Packaged files as pkg-<name>, then local.rules and domains.rules; sids switched, then the detect rewrite. */
function renderRuleFiles(model: SuricataModel): { name: string; content: string }[] {
  const switches: SidSwitches = { disabled: new Set(model.disabledSids), enabled: new Set(model.enabledSids) };
  const finish = (content: string): string => {
    const switched = switchRules(content, switches);
    return model.mode === 'detect' ? toDetectMode(switched) : switched;
  };
  const local = model.localRules.flatMap((r) => [`# ${r.source}`, r.text.trim()]);
  const domains = model.domains ? compileDomainRules(model.domains) : [];
  return [
    ...model.packagedRules.map((f) => ({ name: `pkg-${f.name}`, content: finish(withFinalNewline(f.content)) })),
    { name: 'local.rules', content: finish(lines(local)) },
    { name: 'domains.rules', content: finish(lines(domains)) },
  ];
}

function lines(entries: readonly string[]): string {
  return entries.map((e) => `${e}\n`).join('');
}

function withFinalNewline(content: string): string {
  return content === '' || content.endsWith('\n') ? content : `${content}\n`;
}
