import { cidrRange, ipv4ToNumber } from '../../runtime/net/cidr.js';
import type { NftSet } from '../../renderers/nft/model.js';
import {
  EXACT_MAPS,
  INTERVAL_MAPS,
  PROTOCOL_NUMBERS,
  TARGET_RANGES_SET,
  TARGETS_SET,
  type ForwardMaps,
} from './names.js';
import { compilePortForwards, type CompiledPortForwards } from './table.js';
import type { PortForwardDesired } from './types.js';

/** A connection's first packet, as `csgw explain` describes it. */
export interface ForwardPacket {
  src: string;
  dst: string;
  /** Whether dst is one of the gateway's own addresses (what `fib daddr type local` decides). */
  dstIsLocal: boolean;
  protocol: 'tcp' | 'udp' | 'icmp';
  /** tcp/udp only. */
  dport?: number;
}

export type ForwardTranslation =
  | { forwarded: false; reason: string }
  | {
      forwarded: true;
      resource: string;
      /** Index into the resource's spec.rules. */
      rule: number;
      destinationIp: string;
      destinationPort: number;
      masquerade: boolean;
      /** The map that matched. */
      map: string;
    };

/** The lookups of the dnat rules in the kernel's order: each layout's rewrite rule, then its keep rule. */
const LAYOUTS: readonly { maps: ForwardMaps; key: (p: PacketValues) => number[] }[] = [
  { maps: INTERVAL_MAPS, key: (p) => [p.dport, p.protocol, p.src] },
  { maps: EXACT_MAPS, key: (p) => [p.protocol, p.dport] },
];

interface PacketValues {
  src: number;
  protocol: number;
  dport: number;
}

/**
 * Where the gateway sends a connection (pure). Evaluated on the compiled map elements in the order the kernel's
 * rules look them up, not on the spec, so explain agrees with what the kernel does.
 */
export function translate(desired: PortForwardDesired, packet: ForwardPacket): ForwardTranslation {
  if (!packet.dstIsLocal) return { forwarded: false, reason: `${packet.dst} is not an address of the gateway` };
  if (packet.protocol === 'icmp' || packet.dport === undefined)
    return { forwarded: false, reason: 'only tcp and udp connections are forwarded' };
  const compiled = compilePortForwards(desired.forwards);
  const values = { src: ipv4ToNumber(packet.src), protocol: PROTOCOL_NUMBERS[packet.protocol], dport: packet.dport };
  for (const { maps, key } of LAYOUTS) {
    // The rewrite rule needs both its lookups to succeed, as in the kernel; otherwise the keep rule is tried.
    const rewrite = lookup(set(compiled, maps.port), key(values));
    const address = rewrite && lookup(set(compiled, maps.addr), key(values));
    if (rewrite && address) return forwarded(compiled, rewrite.key, maps.port, address.value, Number(rewrite.value));
    const keep = lookup(set(compiled, maps.keep), key(values));
    if (keep) return forwarded(compiled, keep.key, maps.keep, keep.value, packet.dport);
  }
  return { forwarded: false, reason: `no forward for ${packet.protocol} port ${packet.dport} from ${packet.src}` };
}

/** The forward that owns the matched key, and whether its translated connection is masqueraded. */
function forwarded(
  compiled: CompiledPortForwards,
  key: string,
  map: string,
  ip: string,
  port: number,
): ForwardTranslation {
  const owner = compiled.owners.get(key);
  if (!owner) throw new Error(`compiled element ${key} has no owning forward`);
  const destinationIp = ip.replace(/\/32$/, '');
  const [address, protocol] = [ipv4ToNumber(destinationIp), PROTOCOL_NUMBERS[owner.protocol]];
  const masquerade =
    lookup(set(compiled, TARGETS_SET), [address, protocol, port]) !== undefined ||
    lookup(set(compiled, TARGET_RANGES_SET), [port, protocol, address]) !== undefined;
  return {
    forwarded: true,
    resource: owner.resource,
    rule: owner.rule,
    destinationIp,
    destinationPort: port,
    masquerade,
    map,
  };
}

function set(compiled: CompiledPortForwards, name: string): NftSet | undefined {
  return compiled.table.sets.find((s) => s.name === name);
}

/** The element whose key components all contain the packet's values, split into key and value. */
function lookup(from: NftSet | undefined, values: readonly number[]): { key: string; value: string } | undefined {
  for (const element of from?.elements ?? []) {
    const [key = '', value = ''] = element.split(' : ');
    if (key.split(' . ').every((component, i) => contains(component, values[i] ?? -1))) return { key, value };
  }
  return undefined;
}

function contains(component: string, value: number): boolean {
  if (component.includes('/')) {
    const range = cidrRange(component);
    return value >= range.first && value <= range.last;
  }
  const [first = '', last = first] = component.split('-');
  return value >= Number(first) && value <= Number(last);
}
