import { COMMENT_PREFIX, expand, queueHash } from './queue-rules.js';
import type { ObservedQueue, QueueSelector, QueueSpec } from './types.js';

/**
 * The IPS's own chains on the iptables-nft path, each hooked into a built-in chain by one jump:
 * - queue: `security` table, FORWARD (iptables-nft hooks it at priority 150): after the firewall's filter chains
 *   (0), so only what the firewall accepted is queued;
 * - bypass (only with flow bypass): `mangle` table, POSTROUTING: saves Suricata's bypass mark to conntrack, so the
 *   queue chain lets the rest of the flow through.
 */
export interface OwnedChain {
  table: 'security' | 'mangle';
  chain: string;
  hook: 'FORWARD' | 'POSTROUTING';
}

export const QUEUE_CHAIN: OwnedChain = { table: 'security', chain: 'CSGW-IPS', hook: 'FORWARD' };
export const BYPASS_CHAIN: OwnedChain = { table: 'mangle', chain: 'CSGW-IPS-BYPASS', hook: 'POSTROUTING' };

export interface ChainListing {
  exists: boolean;
  hooks: number;
  rules: { packets: number; hash?: string }[];
}

/** What `iptables-nft-save -c` shows of the IPS's chains. */
export interface XtListing {
  queue: ChainListing;
  bypass: ChainListing;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function xtTarget(queue: QueueSpec): string[] {
  const last = queue.first + queue.count - 1;
  const which =
    queue.count === 1
      ? ['--queue-num', String(queue.first)]
      : // By address pair, the same for both directions: a flow stays on one Suricata worker. CPU fan-out
        // (--queue-cpu-fanout) would split a flow across workers, which Suricata drops as out of order.
        ['--queue-balance', `${queue.first}:${last}`];
  return ['-j', 'NFQUEUE', ...which, ...(queue.bypass ? ['--queue-bypass'] : [])];
}

function xtMatch(s: QueueSelector): string[] {
  const ports = s.ports.map((p) => p.replace('-', ':'));
  return [
    ...(s.sources[0] ? ['-s', s.sources[0]] : []),
    ...(s.destinations[0] ? ['-d', s.destinations[0]] : []),
    ...(s.protocol !== 'any' ? ['-p', s.protocol] : []),
    ...(ports.length > 0 ? ['-m', 'multiport', '--dports', ports.join(',')] : []),
  ];
}

/** Declaring a chain in a --noflush restore flushes it; the jump is added once and extra copies are removed. */
function chainBlock(owned: OwnedChain, listing: ChainListing, rules: string[][]): string[] {
  const unhook = Array.from({ length: Math.max(0, listing.hooks - 1) }, () => `-D ${owned.hook} -j ${owned.chain}`);
  const hook = listing.hooks === 0 ? [`-I ${owned.hook} 1 -j ${owned.chain}`] : [];
  const body = rules.map((r) => ['-A', owned.chain, ...r].join(' '));
  return [`*${owned.table}`, `:${owned.chain} - [0:0]`, ...unhook, ...hook, ...body, 'COMMIT'];
}

function removeBlock(owned: OwnedChain, listing: ChainListing): string[] {
  if (!listing.exists && listing.hooks === 0) return [];
  const unhook = Array.from({ length: listing.hooks }, () => `-D ${owned.hook} -j ${owned.chain}`);
  const chain = listing.exists ? [`-F ${owned.chain}`, `-X ${owned.chain}`] : [];
  return [`*${owned.table}`, ...unhook, ...chain, 'COMMIT'];
}

/**
 * One iptables-nft-restore --noflush input that installs `queue` whole. Each table block commits on its own, so the
 * bypass chain (mangle) goes first and the queue chain, which relies on it, last. Every value was validated by the
 * spec schema (CIDRs, ports) before it gets here.
 */
export function renderXtInstall(queue: QueueSpec, listing: XtListing): string {
  const comment = ['-m', 'comment', '--comment', `"${COMMENT_PREFIX}${queueHash(queue)}"`];
  const mark = queue.bypassMark;
  const markMatch = (m: number): string[] => ['-m', 'mark', '--mark', `${hex(m)}/${hex(m)}`];
  const save = (m: number): string[] => ['-j', 'CONNMARK', '--save-mark', '--nfmask', hex(m), '--ctmask', hex(m)];
  const bypass = mark
    ? chainBlock(BYPASS_CHAIN, listing.bypass, [[...markMatch(mark), ...comment, ...save(mark)]])
    : removeBlock(BYPASS_CHAIN, listing.bypass);
  const skip = mark ? [['-m', 'connmark', '--mark', `${hex(mark)}/${hex(mark)}`, ...comment, '-j', 'RETURN']] : [];
  const rules = expand(queue.selectors).map((s) => [...xtMatch(s), ...comment, ...xtTarget(queue)]);
  return [...bypass, ...chainBlock(QUEUE_CHAIN, listing.queue, [...skip, ...rules]), ''].join('\n');
}

/** Takes the IPS out of the path: the queue chain first, then the bypass chain. */
export function renderXtRemove(listing: XtListing): string {
  return [...removeBlock(QUEUE_CHAIN, listing.queue), ...removeBlock(BYPASS_CHAIN, listing.bypass), ''].join('\n');
}

export function parseXtSave(text: string): XtListing {
  const empty = (): ChainListing => ({ exists: false, hooks: 0, rules: [] });
  const listing: XtListing = { queue: empty(), bypass: empty() };
  let table = '';
  const hashOf = new RegExp(`"?${COMMENT_PREFIX}([0-9a-f]+)"?`);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    const counted = /^\[(\d+):\d+\]\s+(.*)$/.exec(line);
    const body = counted?.[2] ?? line;
    for (const [key, owned] of [
      ['queue', QUEUE_CHAIN],
      ['bypass', BYPASS_CHAIN],
    ] as const) {
      if (table !== owned.table) continue;
      const chain = listing[key];
      if (body.startsWith(`:${owned.chain} `)) chain.exists = true;
      else if (body === `-A ${owned.hook} -j ${owned.chain}`) chain.hooks += 1;
      else if (body.startsWith(`-A ${owned.chain} `)) {
        const hash = hashOf.exec(body)?.[1];
        chain.rules.push({ packets: Number(counted?.[1] ?? 0), ...(hash ? { hash } : {}) });
      }
    }
  }
  return listing;
}

/** One hook, and exactly `expected` rules all carrying `hash`. */
function chainIntact(chain: ChainListing, expected: number, hash: string | undefined): boolean {
  return (
    chain.exists && chain.hooks === 1 && chain.rules.length === expected && chain.rules.every((r) => r.hash === hash)
  );
}

/** Both chains hold exactly the desired spec's rules. */
function matches(listing: XtListing, desired: QueueSpec, hash: string): boolean {
  const skip = desired.bypassMark ? 1 : 0;
  const bypassOk = desired.bypassMark
    ? chainIntact(listing.bypass, 1, hash)
    : !listing.bypass.exists && listing.bypass.hooks === 0;
  const queueOk = chainIntact(listing.queue, expand(desired.selectors).length + skip, hash);
  return hash === queueHash(desired) && queueOk && bypassOk;
}

/** The queue state a listing shows, against the desired spec (intact: exactly its rules, nothing to change). */
export function observedXtQueue(listing: XtListing, desired?: QueueSpec): ObservedQueue {
  const hashes = new Set(listing.queue.rules.map((r) => r.hash));
  const [hash] = hashes.size === 1 ? [...hashes] : [undefined];
  const skip = desired?.bypassMark ? 1 : 0;
  const intact = hash !== undefined && (!desired || matches(listing, desired, hash));
  const present = [listing.queue, listing.bypass].some((c) => c.exists || c.hooks > 0);
  // The skip rule's packets were not queued: only the NFQUEUE rules count.
  const packets = listing.queue.rules.slice(skip).reduce((n, r) => n + r.packets, 0);
  const bypassed = skip ? { bypassedPackets: listing.queue.rules[0]?.packets ?? 0 } : {};
  return { present, ...(hash ? { hash } : {}), intact, packets, ...bypassed };
}
