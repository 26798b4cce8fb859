import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner, NftPort } from '../../runtime/ports.js';
import type { PackagedRules } from './facts.js';
import { nftQueuePort, xtQueuePort, type QueuePort } from './queue-port.js';
import { renderNftQueue } from './queue-rules.js';
import { SURICATA } from './suricata-daemon.js';

/** Where Debian's suricata package puts what rules refer to. */
export interface PackageLayout {
  /** Directories that may hold the shipped *.rules files, first found wins. */
  ruleDirs: readonly string[];
  classificationFile: string;
  referenceFile: string;
}

export const DEBIAN_LAYOUT: PackageLayout = {
  ruleDirs: ['/usr/share/suricata/rules', '/etc/suricata/rules'],
  classificationFile: '/etc/suricata/classification.config',
  referenceFile: '/etc/suricata/reference.config',
};

export const NO_PACKAGED_RULES: PackagedRules = {
  files: [],
  classificationFile: DEBIAN_LAYOUT.classificationFile,
  referenceFile: DEBIAN_LAYOUT.referenceFile,
};

const PROBE_QUEUE = { selectors: [], first: 65535, count: 1, bypass: true };

/**
 * The queue mechanism this kernel has: nft's `queue` statement when an `nft --check` of a table using it passes
 * (EC2 kernels), else the xt NFQUEUE target when iptables-nft knows it (`-C` of a rule that does not exist answers
 * 1 for "no such rule", 2 when the target cannot load). Neither changes anything.
 */
export async function probeQueuePort(
  nft: NftPort,
  runner: CommandRunner,
  signal: AbortSignal,
): Promise<QueuePort | { missing: string }> {
  const nftError = await nft
    .check([{ op: 'replaceTable', table: renderNftQueue(PROBE_QUEUE) }], signal)
    .then(() => undefined)
    .catch((err: Error) => err.message);
  if (nftError === undefined) return nftQueuePort(nft);
  const args = ['-t', 'security', '-C', 'FORWARD', '-j', 'NFQUEUE', '--queue-num', '65535', '--queue-bypass'];
  const xt = await runner
    .run('iptables-nft', args, { signal })
    .catch((err: Error) => ({ exitCode: -1, stderr: err.message }));
  if (xt.exitCode === 1) return xtQueuePort(runner);
  return {
    missing: `nft queue: ${nftError.slice(0, 200)}; xt NFQUEUE: ${xt.stderr.trim().slice(0, 200) || 'unavailable'}`,
  };
}

/** Suricata's version, or undefined when it is not installed. */
export async function suricataVersion(runner: CommandRunner, signal: AbortSignal): Promise<string | undefined> {
  const result = await runner.run(SURICATA, ['-V'], { signal }).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  return /version (\S+)/i.exec(result.stdout)?.[1] ?? 'unknown';
}

/** The *.rules files the package ships, read once (a package upgrade is picked up by the next operator start). */
export async function readPackagedRules(layout: PackageLayout): Promise<PackagedRules> {
  for (const dir of layout.ruleDirs) {
    const names = await readdir(dir).catch(() => []);
    const rules = names.filter((n) => /^[a-z0-9][a-z0-9_-]{0,63}\.rules$/.test(n)).sort();
    if (rules.length === 0) continue;
    const files = await Promise.all(
      rules.map(async (name) => ({ name, content: await readFile(join(dir, name), 'utf8') })),
    );
    return { files, classificationFile: layout.classificationFile, referenceFile: layout.referenceFile };
  }
  return { ...NO_PACKAGED_RULES, classificationFile: layout.classificationFile, referenceFile: layout.referenceFile };
}
