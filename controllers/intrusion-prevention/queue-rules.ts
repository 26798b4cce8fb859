import { createHash } from 'node:crypto';
import type { NftChain, NftStatement, NftTable } from '../../renderers/nft/model.js';
import type { QueueSelector, QueueSpec } from './types.js';

/**
 * The IPS's own place in the forward path, on the nft path (xt-rules.ts has the iptables-nft one): a table of its
 * own with a forward chain at priority 50, after the firewall's filter chains (0), so only what the firewall
 * accepted is queued; with flow bypass, a postrouting chain that saves Suricata's bypass mark to conntrack.
 */
export const NFT_TABLE = 'csgw_ips';
export const QUEUE_PRIORITY = 50;
export const COMMENT_PREFIX = 'csgw-ips:';

/** Names a queue spec: every installed rule carries it, so observing needs no normalised comparison. */
export function queueHash(queue: QueueSpec): string {
  return createHash('sha256').update(JSON.stringify(queue)).digest('hex').slice(0, 12);
}

/** The selectors as single-address rules (iptables takes one -s and one -d per rule). */
export function expand(selectors: readonly QueueSelector[]): QueueSelector[] {
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

function markIs(key: Record<string, unknown>, mark: number): NftStatement {
  return { match: { op: '==', left: { '&': [key, mark] }, right: mark } };
}

function saveToConntrack(mark: number): NftStatement {
  return { mangle: { key: { ct: { key: 'mark' } }, value: { '|': [{ ct: { key: 'mark' } }, mark] } } };
}

/**
 * The nft path: one table, one forward chain, rules ending in `queue flags bypass to first-last`. A range is
 * balanced by the kernel's flow hash (the address pair, both directions alike), so a flow stays on one Suricata
 * worker; the `fanout` flag (by CPU) would split flows, which Suricata drops as out of order.
 */
export function renderNftQueue(queue: QueueSpec): NftTable {
  const last = queue.first + queue.count - 1;
  const flags = queue.bypass ? ['bypass'] : [];
  const target: NftStatement = {
    queue: {
      num: queue.count === 1 ? queue.first : { range: [queue.first, last] },
      ...(flags.length ? { flags } : {}),
    },
  };
  const comment = `${COMMENT_PREFIX}${queueHash(queue)}`;
  const mark = queue.bypassMark;
  const skip = mark
    ? [{ comment, expr: [markIs({ ct: { key: 'mark' } }, mark), { counter: null }, { return: null }] }]
    : [];
  const save: NftChain[] = mark
    ? [
        {
          name: 'postrouting',
          base: { type: 'filter', hook: 'postrouting', prio: QUEUE_PRIORITY, policy: 'accept' },
          rules: [{ comment, expr: [markIs({ meta: { key: 'mark' } }, mark), saveToConntrack(mark)] }],
        },
      ]
    : [];
  return {
    family: 'inet',
    name: NFT_TABLE,
    sets: [],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: QUEUE_PRIORITY, policy: 'accept' },
        rules: [
          ...skip,
          ...expand(queue.selectors).map((s) => ({ comment, expr: [...nftMatch(s), { counter: null }, target] })),
        ],
      },
      ...save,
    ],
  };
}
