import type { KernelTarget } from '../../controllers/load-balancer/types.js';
import type { LbHit, LbStep } from './load-balancer.js';

const MECHANISM_FROM = { option: '--lb-path', status: 'from status', assumed: 'assumed: no status says' } as const;

const endpoint = (t: KernelTarget): string => `${t.address}:${t.port}`;

/** Which service the listener lookup finds, on which path, with which scheduler and targets. */
export function lbLine(lb: LbStep): string {
  if (!lb.hit) return `none: ${lb.reason}`;
  const scheduler =
    lb.schedulerInEffect === lb.scheduler
      ? `scheduler ${lb.scheduler}`
      : `scheduler ${lb.scheduler}, run as ${lb.schedulerInEffect} on nftables`;
  const path = `${lb.mechanism} path (${MECHANISM_FROM[lb.mechanismFrom]})`;
  return `LoadBalancer/${lb.resource} ${lb.listener}, ${path}, ${scheduler}; ${targetsText(lb)}`;
}

function targetsText(lb: LbHit): string {
  if (lb.targetsFrom === 'unknown') return 'targets unknown offline';
  const from =
    lb.targetsFrom === 'status' && lb.publishedBy
      ? `status of ${lb.publishedBy.instanceId} (${lb.publishedBy.updatedAt})`
      : 'the spec';
  if (lb.targets.length === 0) return `no target with weight > 0 in ${from}`;
  return `targets from ${from}: ${lb.targets.map((t) => `${endpoint(t)} w${t.weight}`).join(', ')}`;
}

/** The nftables path's dnat: the named target, or the set it spreads over. IPVS translates after the input chain. */
export function lbDnatLine(lb: LbHit): string {
  if (lb.mechanism === 'ipvs')
    return `none in prerouting: LoadBalancer/${lb.resource} marks the connection for IPVS, which takes it after the input chain`;
  const by = `by LoadBalancer/${lb.resource}`;
  const kept = lb.sourceNat ? '' : ', client address kept';
  switch (lb.pick.kind) {
    case 'exact':
      return `to ${endpoint(lb.pick.target)} ${by} (${lb.pick.why}${kept})`;
    case 'oneOf':
      return `to one of ${lb.targets.length} targets ${by} (${lb.pick.why}${kept})`;
    case 'none':
      return `none: ${by}: ${lb.pick.why}`;
    case 'unknown':
      return `unknown: ${lb.pick.why}`;
  }
}

/** The verdict when the balancer decides it: no target, unknown targets, or IPVS taking an allowed connection. */
export function lbVerdictLine(lb: LbHit): string {
  const pick = lb.pick;
  if (pick.kind === 'unknown') return `UNKNOWN (${pick.why})`;
  if (pick.kind === 'none')
    return lb.mechanism === 'ipvs'
      ? `REJECT (IPVS answers icmp port-unreachable: ${pick.why})`
      : `DENY (dropped by LoadBalancer/${lb.resource}: ${pick.why})`;
  const to = pick.kind === 'exact' ? endpoint(pick.target) : `one of ${lb.targets.map(endpoint).join(', ')}`;
  return `ALLOW (balanced by IPVS to ${to}: ${pick.why})`;
}
