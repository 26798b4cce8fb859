import type { NftChain, NftStatement, NftTable } from '../../renderers/nft/model.js';
import {
  FWMARK_BASE,
  LB_DSTNAT_PRIORITY,
  LB_MARK_PRIORITY,
  LB_MASQUERADE_PRIORITY,
  LB_TABLE,
  LISTENERS_CHAIN,
  markChain,
  MASQUERADE_CT_BIT,
  OUTPUT_CHAIN,
  POSTROUTING_CHAIN,
  PREROUTING_CHAIN,
  PROTOCOL_NUMBERS,
  serviceChain,
  targetChain,
} from './names.js';
import type { KernelService, Mechanism } from './types.js';

/**
 * The one table LoadBalancer owns (pure), in the form `nft -j list table ip csgw_lb` prints. Connections to the
 * gateway's own addresses go to a listeners chain (one rule per service: address, protocol, port) that jumps to the
 * service's chain. On nftables that chain spreads connections with `numgen inc` (or `jhash ip saddr` for sh) over
 * weighted ranges to one chain per target that dnats; weight-0 targets keep their chain but leave the ranges, and
 * conntrack keeps their flows. On IPVS the service's chain only sets the fwmark of the IPVS virtual service.
 *
 * Chains come in the order nft accepts them in one transaction (a chain exists before any rule jumps to it) and
 * lists them back: targets, services, listeners, hooks. A verdict map of listeners would be O(1), but nft refuses
 * map elements that jump to chains created later in the same transaction, and the renderer adds sets first.
 */
export function renderLbTable(services: readonly KernelService[], mechanism: Mechanism): NftTable {
  const jump = mechanism === 'ipvs' ? markChain : serviceChain;
  const perService = services.flatMap((s) => (mechanism === 'ipvs' ? [markServiceChain(s)] : nftServiceChains(s)));
  const listeners: NftChain = {
    name: LISTENERS_CHAIN,
    rules: services.map((s) => ({ expr: [...listenerMatch(s), { goto: { target: jump(s.id) } }] })),
  };
  return { ...LB_TABLE, sets: [], chains: [...perService, listeners, ...hookChains(mechanism)] };
}

/** The listener's address (when one is given), protocol and port, as nft lists them (`tcp dport 80`). */
export function listenerMatch(s: Pick<KernelService, 'address' | 'protocol' | 'port'>): NftStatement[] {
  const protocol = s.protocol === 'TCP' ? 'tcp' : 'udp';
  return [
    ...(s.address !== undefined
      ? [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: s.address } }]
      : []),
    { match: { op: '==', left: { payload: { protocol, field: 'dport' } }, right: s.port } },
  ];
}

function hookChains(mechanism: Mechanism): NftChain[] {
  // nat chains on nftables; on IPVS the mark must be set before IPVS's hooks, in mangle (route for output) position.
  const [type, outputType, prio] =
    mechanism === 'ipvs'
      ? (['filter', 'route', LB_MARK_PRIORITY] as const)
      : (['nat', 'nat', LB_DSTNAT_PRIORITY] as const);
  // Only connections to the gateway's own addresses are looked up.
  const dispatch = {
    expr: [
      { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
      { goto: { target: LISTENERS_CHAIN } },
    ],
  };
  return [
    { name: PREROUTING_CHAIN, base: { type, hook: 'prerouting', prio, policy: 'accept' }, rules: [dispatch] },
    // Connections made on the gateway itself (TLS termination's backends) are balanced too.
    { name: OUTPUT_CHAIN, base: { type: outputType, hook: 'output', prio, policy: 'accept' }, rules: [dispatch] },
    {
      name: POSTROUTING_CHAIN,
      base: { type: 'nat', hook: 'postrouting', prio: LB_MASQUERADE_PRIORITY, policy: 'accept' },
      rules: [{ expr: [ctMarkHas(MASQUERADE_CT_BIT), { counter: null }, { masquerade: null }] }],
    },
  ];
}

function nftServiceChains(s: KernelService): NftChain[] {
  const targets = s.targets.map((t) => ({
    name: targetChain(s.id, t.address, t.port),
    rules: [
      {
        expr: [
          { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: PROTOCOL_NUMBERS[s.protocol] } },
          { counter: null },
          ...(s.sourceNat ? [setCtMarkBit(MASQUERADE_CT_BIT)] : []),
          { dnat: { addr: t.address, port: t.port } },
        ],
      },
    ],
  }));
  return [...targets, { name: serviceChain(s.id), rules: [{ expr: spreadRule(s) }] }];
}

/** Slots per target: 1 each for rr, the weights divided by their gcd otherwise. Weight 0 gets none. */
export function slotsOf(s: Pick<KernelService, 'scheduler' | 'targets'>): number[] {
  const weights = s.targets.map((t) => (t.weight > 0 ? (s.scheduler === 'rr' ? 1 : t.weight) : 0));
  const divisor = weights.reduce((g, w) => (w > 0 ? gcd(g, w) : g), 0) || 1;
  return weights.map((w) => w / divisor);
}

function spreadRule(s: KernelService): NftStatement[] {
  const slots = slotsOf(s);
  const total = slots.reduce((a, b) => a + b, 0);
  // No target takes new connections: they are dropped rather than reaching the gateway's own sockets.
  if (total === 0) return [{ counter: null }, { drop: null }];
  const elements: unknown[] = [];
  let next = 0;
  s.targets.forEach((t, i) => {
    const n = slots[i] ?? 0;
    if (n === 0) return;
    const key = n === 1 ? next : { range: [next, next + n - 1] };
    elements.push([key, { goto: { target: targetChain(s.id, t.address, t.port) } }]);
    next += n;
  });
  const key =
    s.scheduler === 'sh'
      ? { jhash: { mod: total, seed: 0, expr: { payload: { protocol: 'ip', field: 'saddr' } } } }
      : { numgen: { mode: 'inc', mod: total, offset: 0 } };
  return [{ vmap: { key, data: { set: elements } } }];
}

function markServiceChain(s: KernelService): NftChain {
  const mark = FWMARK_BASE + s.id;
  return {
    name: markChain(s.id),
    rules: [
      {
        expr: [
          { mangle: { key: { meta: { key: 'mark' } }, value: mark } },
          ...(s.sourceNat ? [setCtMarkBit(MASQUERADE_CT_BIT)] : []),
        ],
      },
    ],
  };
}

function ctMarkHas(bit: number): NftStatement {
  return { match: { op: '==', left: { '&': [{ ct: { key: 'mark' } }, bit] }, right: bit } };
}

function setCtMarkBit(bit: number): NftStatement {
  return { mangle: { key: { ct: { key: 'mark' } }, value: { '|': [{ ct: { key: 'mark' } }, bit] } } };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
