import type { ForwardTranslation } from '../../controllers/port-forward/index.js';
import { ipsDropVerdict, ipsLine } from './ips.js';
import type { Explanation } from './packet-path.js';

const VERDICT_WORD = { allow: 'ALLOW', deny: 'DENY (dropped)', reject: 'REJECT (icmp admin-prohibited)' } as const;

/** The explanation as aligned lines, one per hook the packet passes. */
export function formatExplanation(e: Explanation): string {
  const p = e.packet;
  const port = p.dport === undefined ? '' : `:${p.dport}`;
  const lines: [string, string][] = [
    ['packet', `${p.protocol} ${p.src} -> ${p.dst}${port}${p.dstIsLocal ? ' (an address of the gateway)' : ''}`],
    ['dnat', dnatLine(e.dnat)],
    [e.chain, filterLine(e)],
  ];
  if (e.ips) lines.push(['ips', ipsLine(e.ips)]);
  if (e.snat) lines.push(['snat', `${e.snat.translated ? '' : 'none: '}${e.snat.how} (${e.snat.by})`]);
  lines.push(['verdict', verdictLine(e)]);
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join('');
}

function dnatLine(t: ForwardTranslation): string {
  if (!t.forwarded) return `none: ${t.reason}`;
  const masquerade = t.masquerade ? '' : ', client address kept';
  return `to ${t.destinationIp}:${t.destinationPort} by PortForward/${t.resource} spec.rules[${t.rule}] (map ${t.map}${masquerade})`;
}

function filterLine(e: Explanation): string {
  const f = e.filter;
  if (f.filteredBy === 'none') return `${f.action}: no FirewallPolicy filters the ${e.chain} chain`;
  const by = f.ruleId ? `rule ${f.ruleId}${f.comment ? ` "${f.comment}"` : ''}` : `the ${e.chain} default action`;
  const group = f.group ? ` (set lookup ${f.group})` : '';
  return `${f.action} by FirewallPolicy ${by}${group}`;
}

function verdictLine(e: Explanation): string {
  if (e.filter.action !== 'allow') return VERDICT_WORD[e.filter.action];
  if (e.chain === 'input') return 'ALLOW (delivered to the gateway)';
  const dropped = e.ips && ipsDropVerdict(e.ips);
  if (dropped) return dropped;
  const to = `${e.filtered.dst}${e.filtered.dport === undefined ? '' : `:${e.filtered.dport}`}`;
  return `ALLOW (forwarded to ${to})`;
}
