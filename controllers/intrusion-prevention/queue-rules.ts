import { createHash } from 'node:crypto';
import type { NftStatement, NftTable } from '../../renderers/nft/model.js';
import type { ObservedQueue, QueueSelector, QueueSpec } from './types.js';

/**
 * The IPS's own place in the forward path. xt: a chain of its own in iptables-nft's `security` table, whose FORWARD
 * hook (priority 50) runs after the firewall's filter chains (0), so only what the firewall accepted is queued.
 * nft: a table of its own with a forward chain at the same priority.
 */
export const XT_TABLE = 'security';
export const XT_CHAIN = 'CSGW-IPS';
export const NFT_TABLE = 'csgw_ips';
export const QUEUE_PRIORITY = 50;
const COMMENT_PREFIX = 'csgw-ips:';

/** Names a queue spec: every installed rule carries it, so observing needs no normalised comparison. */
export function queueHash(queue: QueueSpec): string {
  return createHash('sha256').update(JSON.stringify(queue)).digest('hex').slice(0, 12);
}

/** The selectors as single-address rules (iptables takes one -s and one -d per rule). */
function expand(selectors: readonly QueueSelector[]): QueueSelector[] {
  const all =
    selectors.length > 0 ? selectors : [{ sources: [], destinations: [], protocol: 'any' as const, ports: [] }];
  return all.flatMap((s) =>
    (s.sources.length > 0 ? s.sources : ['']).flatMap((src) =>
      (s.destinations.length > 0 ? s.destinations : ['']).map((dst) => ({
        ...s,
        sources: src ? [src] : [],
        destinations: dst ? [dst] : [],
      })),
    ),
  );
}

function xtTarget(queue: QueueSpec): string[] {
  const last = queue.first + queue.count - 1;
  const which =
    queue.count === 1
      ? ['--queue-num', String(queue.first)]
      : ['--queue-balance', `${queue.first}:${last}`, '--queue-cpu-fanout'];
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

/**
 * One iptables-nft-restore --noflush transaction that replaces the chain's rules (declaring a chain flushes it) and
 * hooks it into FORWARD when the hook is missing. Every value was validated by the spec schema (CIDRs, ports).
 */
export function renderXtQueue(queue: QueueSpec, hooked: boolean): string {
  const comment = ['-m', 'comment', '--comment', `"${COMMENT_PREFIX}${queueHash(queue)}"`];
  const rules = expand(queue.selectors).map((s) =>
    ['-A', XT_CHAIN, ...xtMatch(s), ...comment, ...xtTarget(queue)].join(' '),
  );
  const hook = hooked ? [] : [`-I FORWARD 1 -j ${XT_CHAIN}`];
  return [`*${XT_TABLE}`, `:${XT_CHAIN} - [0:0]`, ...hook, ...rules, 'COMMIT', ''].join('\n');
}

/** Takes the chain out of FORWARD and removes it, in one transaction. */
export function renderXtUnqueue(hooks: number): string {
  const unhook = Array.from({ length: hooks }, () => `-D FORWARD -j ${XT_CHAIN}`);
  return [`*${XT_TABLE}`, ...unhook, `-F ${XT_CHAIN}`, `-X ${XT_CHAIN}`, 'COMMIT', ''].join('\n');
}

/** What `iptables-nft-save -c -t security` shows of the IPS. */
export interface XtListing {
  chainExists: boolean;
  hooks: number;
  rules: { packets: number; hash?: string }[];
}

export function parseXtSave(text: string): XtListing {
  const listing: XtListing = { chainExists: false, hooks: 0, rules: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const counted = /^\[(\d+):\d+\]\s+(.*)$/.exec(line);
    const body = counted?.[2] ?? line;
    if (body.startsWith(`:${XT_CHAIN} `)) listing.chainExists = true;
    else if (body === `-A FORWARD -j ${XT_CHAIN}`) listing.hooks += 1;
    else if (body.startsWith(`-A ${XT_CHAIN} `)) {
      const hash = new RegExp(`"?${COMMENT_PREFIX}([0-9a-f]+)"?`).exec(body)?.[1];
      listing.rules.push({ packets: Number(counted?.[1] ?? 0), ...(hash ? { hash } : {}) });
    }
  }
  return listing;
}

/** The queue state a listing shows: intact only with one hook and exactly the rules of one hash. */
export function observedXtQueue(listing: XtListing, desired?: QueueSpec): ObservedQueue {
  const hashes = new Set(listing.rules.map((r) => r.hash));
  const [hash] = hashes.size === 1 ? [...hashes] : [undefined];
  const expected = desired ? expand(desired.selectors).length : listing.rules.length;
  const intact = listing.chainExists && listing.hooks === 1 && hash !== undefined && listing.rules.length === expected;
  const packets = listing.rules.reduce((n, r) => n + r.packets, 0);
  const present = listing.chainExists || listing.hooks > 0;
  return { present, ...(hash ? { hash } : {}), intact, packets };
}

function nftMatch(s: QueueSelector): NftStatement[] {
  const field = (name: string, right: unknown): NftStatement => ({
    match: { op: '==', left: { payload: { protocol: 'ip', field: name } }, right },
  });
  const prefix = (cidr: string): unknown => {
    const [addr, len] = cidr.split('/');
    return { prefix: { addr, len: Number(len) } };
  };
  const ports = s.ports.map((p) => (p.includes('-') ? { range: p.split('-').map(Number) } : Number(p)));
  return [
    { match: { op: '==', left: { meta: { key: 'nfproto' } }, right: 'ipv4' } },
    ...(s.sources[0] ? [field('saddr', prefix(s.sources[0]))] : []),
    ...(s.destinations[0] ? [field('daddr', prefix(s.destinations[0]))] : []),
    ...(s.protocol !== 'any' ? [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: s.protocol } }] : []),
    ...(ports.length > 0
      ? [{ match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: { set: ports } } }]
      : []),
  ];
}

/** The nft path: one table, one forward chain, rules ending in `queue flags bypass,fanout to first-last`. */
export function renderNftQueue(queue: QueueSpec): NftTable {
  const last = queue.first + queue.count - 1;
  const flags = [...(queue.bypass ? ['bypass'] : []), ...(queue.count > 1 ? ['fanout'] : [])];
  const target: NftStatement = {
    queue: {
      num: queue.count === 1 ? queue.first : { range: [queue.first, last] },
      ...(flags.length ? { flags } : {}),
    },
  };
  const comment = `${COMMENT_PREFIX}${queueHash(queue)}`;
  return {
    family: 'inet',
    name: NFT_TABLE,
    sets: [],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: QUEUE_PRIORITY, policy: 'accept' },
        rules: expand(queue.selectors).map((s) => ({ comment, expr: [...nftMatch(s), { counter: null }, target] })),
      },
    ],
  };
}
