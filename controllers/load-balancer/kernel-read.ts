import type { NftTable } from '../../renderers/nft/model.js';
import type { IpvsService } from './ipvs-port.js';
import { FWMARK_BASE, FWMARK_MASK, SERVICE_CHAIN_PATTERN, TARGET_CHAIN_PATTERN } from './names.js';
import type { KernelTarget } from './types.js';

/** IPVS services of ours: IPv4 firewall-mark services whose mark lies in our range. */
export function isOurIpvsService(s: IpvsService): s is IpvsService & { fwmark: number } {
  return (
    !s.ipv6 && s.fwmark !== undefined && (s.fwmark & FWMARK_MASK) >>> 0 === FWMARK_BASE && s.fwmark !== FWMARK_BASE
  );
}

/** The targets the IPVS path has, by service id. */
export function kernelTargetsFromIpvs(services: readonly IpvsService[]): Map<number, KernelTarget[]> {
  const byId = new Map<number, KernelTarget[]>();
  for (const s of services.filter(isOurIpvsService)) {
    const targets = s.realServers.map((r) => ({ address: r.address, port: r.port, weight: r.weight }));
    byId.set(s.fwmark - FWMARK_BASE, targets);
  }
  return byId;
}

/**
 * The targets the nftables path has, by service id: every target chain (weight 0 when the service's spread does not
 * reach it), weighted by the slots the spread gives it (weights as the table holds them, divided by their gcd).
 */
export function kernelTargetsFromTable(table: NftTable | undefined): Map<number, KernelTarget[]> {
  const byId = new Map<number, KernelTarget[]>();
  const byChain = new Map<string, KernelTarget>();
  for (const chain of table?.chains ?? []) {
    const m = TARGET_CHAIN_PATTERN.exec(chain.name);
    if (!m) continue;
    const id = parseInt(m[1] ?? '', 16);
    const target = { address: m[2] ?? '', port: Number(m[3]), weight: 0 };
    byId.set(id, [...(byId.get(id) ?? []), target]);
    byChain.set(chain.name, target);
  }
  const spreads = (table?.chains ?? []).filter((c) => SERVICE_CHAIN_PATTERN.test(c.name));
  for (const [slots, chain] of spreads.flatMap((c) => spreadElements(c.rules[0]?.expr[0]))) {
    const target = byChain.get(chain);
    if (target) target.weight += slots;
  }
  return byId;
}

/** [slots, target chain] of a spread rule's vmap: `0 : goto x` or `{ range: [a, b] } : goto y`. */
function spreadElements(statement: unknown): [number, string][] {
  const vmap = (statement as { vmap?: { data?: { set?: unknown } } } | undefined)?.vmap;
  const set = vmap?.data?.set;
  if (!Array.isArray(set)) return [];
  return set.flatMap((element): [number, string][] => {
    if (!Array.isArray(element)) return [];
    const [key, verdict] = element as [unknown, { goto?: { target?: unknown } } | undefined];
    const target = verdict?.goto?.target;
    if (typeof target !== 'string') return [];
    if (typeof key === 'number') return [[1, target]];
    const range = (key as { range?: unknown } | null)?.range;
    if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number')
      return [[range[1] - range[0] + 1, target]];
    return [];
  });
}
