import type { SuricataModel } from './model.js';
import { isIpOrCidr } from './net.js';
import { validateRuleSet } from './rule-set.js';

// Defence in depth: the model is built from validated specs only, but a future caller that skips validation must not
// be able to smuggle a key into suricata.yaml or a rule into a rule file. Paths are written unquoted into YAML, so
// only a plain character set passes: no spaces, quotes, `#`, `:`, braces or control characters.
const PLAIN_PATH = /^(\/[A-Za-z0-9._-]+)+$/;
const RULE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.rules$/;
/** A rule's source is written as a comment above it: no `;`, quote or parenthesis, so it can never read as a rule. */
const SOURCE = /^[\w ./[\]:@-]{1,200}$/;
/** sun_path holds 108 bytes with the terminating NUL. */
const SOCKET_PATH_MAX = 107;
const UINT32_MAX = 4_294_967_295;
/** One worker thread per queue: more than this is a typo, not a gateway. */
const QUEUE_COUNT_MAX = 64;
const STATS_INTERVAL_MAX = 86_400;

function refuse(field: string, value: unknown, why: string): never {
  throw new Error(`suricata model: ${field} ${JSON.stringify(value)} ${why}`);
}

/** Throws naming the first field suricata.yaml, a rule file or threshold.config cannot carry safely. */
export function assertRenderable(model: SuricataModel): void {
  if (model.mode !== 'detect' && model.mode !== 'prevent') refuse('mode', model.mode, 'is not detect or prevent');
  assertPaths(model);
  assertNumbers(model);
  if (model.homeNets.length === 0) refuse('homeNets', model.homeNets, 'is empty');
  model.homeNets.forEach((net, i) => {
    if (!isIpOrCidr(net)) refuse(`homeNets[${i}]`, net, 'is not an IP address or CIDR');
  });
  const names = new Set<string>();
  model.packagedRules.forEach(({ name }, i) => {
    if (!RULE_FILE_NAME.test(name)) refuse(`packagedRules[${i}].name`, name, 'is not a plain *.rules file name');
    if (names.has(name)) refuse(`packagedRules[${i}].name`, name, 'is listed twice');
    names.add(name);
  });
  model.localRules.forEach(({ source }, i) => {
    if (!SOURCE.test(source)) refuse(`localRules[${i}].source`, source, 'is not a plain rule source name');
  });
  const rules = validateRuleSet(model.localRules);
  if (!rules.ok) throw new Error(`suricata model: localRules: ${rules.errors.join('; ')}`);
}

function assertPaths(model: SuricataModel): void {
  const paths = {
    revisionDir: model.revisionDir,
    runDir: model.runDir,
    logDir: model.logDir,
    classificationFile: model.classificationFile,
    referenceFile: model.referenceFile,
  };
  for (const [field, value] of Object.entries(paths)) {
    if (!PLAIN_PATH.test(value) || value.split('/').some((part) => part === '.' || part === '..'))
      refuse(field, value, 'is not an absolute path of plain characters');
  }
  if (`${model.runDir}/suricata.socket`.length > SOCKET_PATH_MAX)
    refuse('runDir', model.runDir, `is too long for a unix socket path (${SOCKET_PATH_MAX} bytes)`);
}

function assertNumbers(model: SuricataModel): void {
  const int = (field: string, value: number, min: number, max: number): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      refuse(field, value, `is not an integer from ${min} to ${max}`);
  };
  int('queues.first', model.queues.first, 0, 65535);
  int('queues.count', model.queues.count, 1, QUEUE_COUNT_MAX);
  if (model.queues.first + model.queues.count > 65536) refuse('queues', model.queues, 'ends past queue 65535');
  int('statsIntervalSeconds', model.statsIntervalSeconds, 1, STATS_INTERVAL_MAX);
  if (model.bypass) {
    int('bypass.mark', model.bypass.mark, 1, UINT32_MAX);
    if (model.bypass.afterBytes !== undefined) int('bypass.afterBytes', model.bypass.afterBytes, 4096, UINT32_MAX);
  }
  model.disabledSids.forEach((sid, i) => int(`disabledSids[${i}]`, sid, 1, UINT32_MAX));
  model.enabledSids.forEach((sid, i) => int(`enabledSids[${i}]`, sid, 1, UINT32_MAX));
}
