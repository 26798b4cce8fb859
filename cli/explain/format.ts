import type { ForwardTranslation } from '../../controllers/port-forward/index.js';
import type { PacketPath } from './hooks.js';
import { ipsDropVerdict, ipsLine } from './ips.js';
import { lbDnatLine, lbLine, lbVerdictLine } from './lb-format.js';
import type { Explanation } from './packet-path.js';

const VERDICT_WORD = { allow: 'ALLOW', deny: 'DENY (dropped)', reject: 'REJECT (icmp admin-prohibited)' } as const;

type Line = [string, string];

/** The explanation as aligned lines, one per hook the packet passes (per target when a balancer may pick several). */
export function formatExplanation(e: Explanation): string {
  const p = e.packet;
  const port = p.dport === undefined ? '' : `:${p.dport}`;
  const lines: Line[] = [
    ['packet', `${p.protocol} ${p.src} -> ${p.dst}${port}${p.dstIsLocal ? ' (an address of the gateway)' : ''}`],
  ];
  if (e.lb) lines.push(['lb', lbLine(e.lb)], ...(e.lb.hit ? e.lb.notes.map((n): Line => ['note', n]) : []));
  lines.push(['dnat', e.lb?.hit ? lbDnatLine(e.lb) : dnatLine(e.dnat)]);
  if ('targets' in e) {
    for (const t of e.targets) lines.push(...pathLines(e, t, `${t.target.address}:${t.target.port}: `));
    if (e.lb?.hit && e.targets.length === 0) lines.push(['verdict', lbVerdictLine(e.lb)]);
  } else {
    lines.push(...pathLines(e, e, ''));
  }
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join('');
}

function pathLines(e: Explanation, path: PacketPath, prefix: string): Line[] {
  const lines: Line[] = [[path.chain, `${prefix}${filterLine(path)}`]];
  if (path.ips) lines.push(['ips', `${prefix}${ipsLine(path.ips)}`]);
  if (path.snat)
    lines.push(['snat', `${prefix}${path.snat.translated ? '' : 'none: '}${path.snat.how} (${path.snat.by})`]);
  lines.push(['verdict', `${prefix}${verdictLine(e, path)}`]);
  return lines;
}

function dnatLine(t: ForwardTranslation): string {
  if (!t.forwarded) return `none: ${t.reason}`;
  const masquerade = t.masquerade ? '' : ', client address kept';
  return `to ${t.destinationIp}:${t.destinationPort} by PortForward/${t.resource} spec.rules[${t.rule}] (map ${t.map}${masquerade})`;
}

function filterLine(path: PacketPath): string {
  const f = path.filter;
  if (f.filteredBy === 'none') return `${f.action}: no FirewallPolicy filters the ${path.chain} chain`;
  const by = f.ruleId ? `rule ${f.ruleId}${f.comment ? ` "${f.comment}"` : ''}` : `the ${path.chain} default action`;
  const group = f.group ? ` (set lookup ${f.group})` : '';
  return `${f.action} by FirewallPolicy ${by}${group}`;
}

function verdictLine(e: Explanation, path: PacketPath): string {
  if (path.filter.action !== 'allow') return VERDICT_WORD[path.filter.action];
  if (e.lb?.hit && e.lb.mechanism === 'ipvs') return lbVerdictLine(e.lb);
  if (path.chain === 'input') return 'ALLOW (delivered to the gateway)';
  const dropped = path.ips && ipsDropVerdict(path.ips);
  if (dropped) return dropped;
  const to = `${path.filtered.dst}${path.filtered.dport === undefined ? '' : `:${path.filtered.dport}`}`;
  return `ALLOW (forwarded to ${to})`;
}
