import { cidrContains } from '../../../runtime/net/cidr.js';
import type { ChainPolicy, FirewallPacket, FirewallVerdict, PolicyRule } from '../types.js';

/**
 * The policy as written, interpreted naively: the first rule that matches decides, the default when none does. The
 * reference the compiled table is checked against, so it shares no code with the compiler.
 */
export function firstMatch(policy: ChainPolicy, packet: FirewallPacket): FirewallVerdict {
  const rule = policy.rules.find((r) => ruleMatches(r, packet));
  return rule ? { action: rule.action, ruleId: rule.id } : { action: policy.defaultAction };
}

/** Protocol any matches every protocol; ports only apply to tcp/udp rules, and a packet without dport has port 0. */
export function ruleMatches(rule: PolicyRule, packet: FirewallPacket): boolean {
  const within = (cidrs: readonly string[], ip: string): boolean =>
    cidrs.length === 0 || cidrs.some((cidr) => cidrContains(cidr, ip));
  if (!within(rule.sources, packet.src) || !within(rule.destinations, packet.dst)) return false;
  if (rule.protocol === 'any') return true;
  if (rule.protocol !== packet.protocol) return false;
  if (rule.protocol === 'icmp' || rule.ports.length === 0) return true;
  const port = packet.dport ?? 0;
  return rule.ports.some((range) => range.first <= port && port <= range.last);
}
