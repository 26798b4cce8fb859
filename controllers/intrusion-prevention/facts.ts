import type { PackagedRuleFile } from '../../renderers/suricata/model.js';
import type { IpsPaths } from './paths.js';

/** What the installed Suricata package ships: its rule files and the configs rules refer to. */
export interface PackagedRules {
  files: PackagedRuleFile[];
  classificationFile: string;
  referenceFile: string;
}

/** Facts decode needs beyond the spec: given at wiring, or found by the probe (packaged). */
export interface IpsFacts {
  paths: IpsPaths;
  /** The directory a revision with this hash is staged in (RevisionStore.dirFor). */
  revisionDir: (hash: string) => string;
  vpcCidrs: readonly string[];
  /** Default number of queues (one per core). */
  cores: number;
  packaged: () => PackagedRules;
}
