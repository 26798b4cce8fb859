import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { createExecRunner } from '../../adapters/exec-runner.js';
import { createNetnsRunner } from '../../adapters/netns.js';
import { createNftAdapter } from '../../adapters/nft.js';
import { EXCLUDE_SET, NAT_TABLE, OBSERVED_SYSCTLS } from '../../controllers/source-nat/names.js';
import { elementFromJson, isObject, sortElements } from '../../renderers/nft/elements.js';
import { renderTransaction } from '../../renderers/nft/render.js';
import { canonicalCidr } from '../../runtime/net/cidr.js';

/** What one `nft -j list set` in the namespace returned, and when (performance.now() clock). */
export interface SetProbe {
  /** Canonical, sorted elements; undefined when the set (or its table) does not exist. */
  elements?: string[];
  startMs: number;
  endMs: number;
}

export async function probeExcludeSet(ns: string): Promise<SetProbe> {
  const startMs = performance.now();
  const r = await execa(
    'ip',
    ['netns', 'exec', ns, 'nft', '-j', 'list', 'set', NAT_TABLE.family, NAT_TABLE.name, EXCLUDE_SET],
    { reject: false, stdin: 'ignore' },
  );
  const endMs = performance.now();
  return r.exitCode === 0 ? { elements: decodeSetElements(r.stdout), startMs, endMs } : { startMs, endMs };
}

/** Elements of `nft -j list set` output, canonicalised by the project's own decoder so they compare as strings. */
export function decodeSetElements(stdout: string): string[] {
  const doc = JSON.parse(stdout) as unknown;
  const items = isObject(doc) && Array.isArray(doc.nftables) ? (doc.nftables as unknown[]) : [];
  const set = items.map((i) => (isObject(i) && isObject(i.set) ? i.set : undefined)).find((s) => s !== undefined);
  const elem = set && Array.isArray(set.elem) ? (set.elem as unknown[]) : [];
  return sortElements(elem.map(elementFromJson));
}

export function expectedElements(cidrs: readonly string[]): string[] {
  return sortElements(cidrs.map(canonicalCidr));
}

export interface Detection {
  /** End of the first probe that saw the expected elements: a conservative (late) convergence time. */
  detectedMs: number;
  /** Start of that probe: the change was live no later than detectedMs and was not seen before the prior probe. */
  probeStartMs: number;
  probes: number;
  probeDurationsMs: number[];
}

/**
 * Polls the set every intervalMs until it holds exactly `expected`. Each probe is a fresh `ip netns exec nft`
 * (~5-10 ms here), so the detection resolution is one probe's duration plus the interval; both are recorded.
 */
export async function waitForElements(
  ns: string,
  expected: readonly string[],
  opts: { intervalMs: number; timeoutMs: number },
): Promise<Detection | undefined> {
  const want = JSON.stringify(expected);
  const deadline = performance.now() + opts.timeoutMs;
  const durations: number[] = [];
  while (performance.now() < deadline) {
    const probe = await probeExcludeSet(ns);
    durations.push(probe.endMs - probe.startMs);
    if (JSON.stringify(probe.elements) === want)
      return {
        detectedMs: probe.endMs,
        probeStartMs: probe.startMs,
        probes: durations.length,
        probeDurationsMs: durations,
      };
    await delay(opts.intervalMs);
  }
  return undefined;
}

/**
 * Writes the transaction the operator would commit for the table that is live now: the operator verifies that its
 * desired table deep-equals the decoded listing, so re-rendering the listing gives the very same transaction.
 */
export async function writeLiveTableTransaction(ns: string, dir: string): Promise<string> {
  const nft = createNftAdapter(createNetnsRunner(ns, createExecRunner()));
  const observed = await nft.listTable(NAT_TABLE.family, NAT_TABLE.name, new AbortController().signal);
  if (!observed) throw new Error(`table ${NAT_TABLE.family} ${NAT_TABLE.name} not found in ${ns}`);
  const file = join(dir, 'baseline-transaction.json');
  await writeFile(file, JSON.stringify(renderTransaction([{ op: 'replaceTable', table: observed.table }])));
  return file;
}

/**
 * The kernel-apply baseline: the same command the operator's commit runs (`ip netns exec <ns> nft -j -f <file>`,
 * one atomic add/delete/add transaction), timed alone, without polling, SSM, observe or verify around it.
 */
export async function timeDirectApply(ns: string, file: string): Promise<number> {
  const start = performance.now();
  await execa('ip', ['netns', 'exec', ns, 'nft', '-j', '-f', file], { stdin: 'ignore' });
  return performance.now() - start;
}

/**
 * The observe baseline: the seven commands a SourceNat observe runs (nft list table, four sysctls, ip route, ip
 * addr), each through `ip netns exec` and all at once as the operator runs them, timed from a bare process. Comparing
 * it with the operator's observe phase shows how much of that phase is process spawning rather than the operator.
 */
export async function timeObserveCommands(ns: string): Promise<number> {
  const commands = [
    ['nft', '-j', 'list', 'table', NAT_TABLE.family, NAT_TABLE.name],
    ...OBSERVED_SYSCTLS.map((key) => ['sysctl', '-n', key]),
    ['ip', '-j', '-4', 'route', 'show', 'default'],
    ['ip', '-j', '-4', 'addr', 'show'],
  ];
  const start = performance.now();
  await Promise.all(
    commands.map((argv) => execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, stdin: 'ignore' })),
  );
  return performance.now() - start;
}
