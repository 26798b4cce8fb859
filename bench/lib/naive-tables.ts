import { ruleComment } from '../../controllers/firewall/compile/names.js';
import { counter, established, verdict } from '../../controllers/firewall/compile/statements.js';
import type { Forward } from '../../controllers/port-forward/forwards.js';
import type { ChainPolicy, PolicyRule } from '../../controllers/firewall/types.js';
import type { PortRange } from '../../policy/ports.js';
import type { NftFamily, NftRule, NftStatement, NftTable } from '../../renderers/nft/model.js';
import type { NftJsonCommand } from '../../renderers/nft/render.js';

/**
 * The foil of the data-plane benchmarks: what a naive controller writes, one nft rule per policy rule or forward,
 * evaluated one after the other. Same hooks, priorities, established shortcut and counters as the compiled tables,
 * so the only difference is N rules instead of a few set lookups.
 */
export const NAIVE_FILTER = { family: 'inet', name: 'bench_naive_filter' } as const;
export const NAIVE_DNAT = { family: 'inet', name: 'bench_naive_dnat' } as const;

function match(left: unknown, right: unknown, op = '=='): NftStatement {
  return { match: { op, left, right } };
}

function ip(field: 'saddr' | 'daddr'): unknown {
  return { payload: { protocol: 'ip', field } };
}

/** An address as nft JSON takes it: a bare host, or a prefix. */
function address(cidr: string): unknown {
  const [addr = '', len = '32'] = cidr.split('/');
  return len === '32' ? addr : { prefix: { addr, len: Number(len) } };
}

/** One address, or an anonymous set of several; no statement for "any". */
function addressMatch(field: 'saddr' | 'daddr', cidrs: readonly string[]): NftStatement[] {
  if (cidrs.length === 0 || cidrs.includes('0.0.0.0/0')) return [];
  const right = cidrs.length === 1 ? address(cidrs[0]!) : { set: cidrs.map(address) };
  return [match(ip(field), right)];
}

function portValue(p: PortRange): unknown {
  return p.first === p.last ? p.first : { range: [p.first, p.last] };
}

/** `meta l4proto X` and, for tcp/udp with ports, `th dport Y`. */
function protocolMatch(protocol: PolicyRule['protocol'], ports: readonly PortRange[]): NftStatement[] {
  if (protocol === 'any') return [];
  const out = [match({ meta: { key: 'l4proto' } }, protocol)];
  if (ports.length === 0 || protocol === 'icmp') return out;
  const right = ports.length === 1 ? portValue(ports[0]!) : { set: ports.map(portValue) };
  return [...out, match({ payload: { protocol: 'th', field: 'dport' } }, right)];
}

/** `ip saddr S ip daddr D meta l4proto P th dport X counter <verdict>`. */
export function naiveFirewallRule(rule: PolicyRule): NftRule {
  return {
    expr: [
      ...addressMatch('saddr', rule.sources),
      ...addressMatch('daddr', rule.destinations),
      ...protocolMatch(rule.protocol, rule.ports),
      counter(),
      verdict(rule.action),
    ],
  };
}

export interface NaiveOptions {
  /** false leaves out `ct state established,related accept`, so every packet walks the whole chain. */
  established?: boolean;
}

/** The forward chain as a linear list: established shortcut, one rule per policy rule, default. */
export function naiveFirewallTable(policy: ChainPolicy, opts: NaiveOptions = {}): NftTable {
  const head: NftRule[] =
    opts.established === false
      ? []
      : [{ comment: ruleComment('forward', 'established'), expr: [established(), verdict('allow')] }];
  return {
    ...NAIVE_FILTER,
    sets: [],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
        rules: [...head, ...policy.rules.map(naiveFirewallRule), { expr: [counter(), verdict(policy.defaultAction)] }],
      },
    ],
  };
}

/** `fib daddr type local ip saddr S meta l4proto P th dport L counter dnat ip to D[:port]`. */
export function naiveDnatRule(f: Forward): NftRule {
  return {
    expr: [
      match({ fib: { result: 'type', flags: ['daddr'] } }, 'local'),
      ...addressMatch('saddr', f.sources),
      ...protocolMatch(f.protocol, [f.listen]),
      counter(),
      {
        dnat: {
          family: 'ip',
          addr: f.destinationIp,
          ...(f.destinationPort !== undefined ? { port: f.destinationPort } : {}),
        },
      },
    ],
  };
}

/** `ct status dnat ip daddr D meta l4proto P th dport T counter masquerade`, for a masquerading forward. */
function naiveMasqueradeRule(f: Forward): NftRule {
  const target = f.destinationPort === undefined ? f.listen : { first: f.destinationPort, last: f.destinationPort };
  return {
    expr: [
      match({ ct: { key: 'status' } }, 'dnat', 'in'),
      match(ip('daddr'), f.destinationIp),
      ...protocolMatch(f.protocol, [target]),
      counter(),
      { masquerade: null },
    ],
  };
}

/** One dnat rule per forward in prerouting, one masquerade rule per masquerading forward in postrouting. */
export function naiveDnatTable(forwards: readonly Forward[]): NftTable {
  return {
    ...NAIVE_DNAT,
    sets: [],
    chains: [
      {
        name: 'prerouting',
        base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' },
        rules: forwards.map(naiveDnatRule),
      },
      {
        name: 'postrouting',
        base: { type: 'nat', hook: 'postrouting', prio: 90, policy: 'accept' },
        rules: forwards.filter((f) => f.masquerade).map(naiveMasqueradeRule),
      },
    ],
  };
}

/** `nft replace rule <family> <table> <chain> handle <h> <expr>`: the single-rule edit a smarter naive one makes. */
export function replaceRuleCommand(
  table: { family: NftFamily; name: string },
  chain: string,
  handle: number,
  rule: NftRule,
): { nftables: NftJsonCommand[] } {
  return {
    nftables: [{ replace: { rule: { family: table.family, table: table.name, chain, handle, expr: rule.expr } } }],
  };
}

/** The same table without its `ct state established,related` rules: every packet then runs every lookup. */
export function withoutEstablished(table: NftTable): NftTable {
  const isShortcut = (rule: NftRule): boolean => rule.comment?.endsWith('/established') ?? false;
  return { ...table, chains: table.chains.map((c) => ({ ...c, rules: c.rules.filter((r) => !isShortcut(r)) })) };
}
