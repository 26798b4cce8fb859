import type { NftStatement, NftTable } from '../../renderers/nft/model.js';
import { sortElements } from '../../renderers/nft/elements.js';
import { canonicalCidr } from '../../runtime/net/cidr.js';
import { EXCLUDE_SET, NAT_TABLE, POSTROUTING_CHAIN, ruleComment, SOURCE_SET, SRCNAT_PRIORITY } from './names.js';
import type { SourceNatSpec } from './spec.js';
import type { ResolvedNat } from './types.js';

/**
 * The one table SourceNat owns (pure). Traffic from the source networks leaving by the egress interface is
 * translated, except to the source networks themselves (VPC-internal traffic keeps its address) and excluded
 * destinations.
 */
export function buildNatTable(name: string, spec: SourceNatSpec, resolved: ResolvedNat): NftTable {
  const cidrs = (list: readonly string[]): string[] => sortElements(list.map(canonicalCidr));
  return {
    ...NAT_TABLE,
    sets: [
      { name: SOURCE_SET, type: 'ipv4_addr', flags: ['interval'], elements: cidrs(resolved.sourceCidrs) },
      {
        name: EXCLUDE_SET,
        type: 'ipv4_addr',
        flags: ['interval'],
        elements: cidrs(spec.excludeDestinationCidrs ?? []),
      },
    ],
    chains: [
      {
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', prio: SRCNAT_PRIORITY, policy: 'accept' },
        rules: [
          {
            comment: ruleComment(name),
            expr: [
              match('==', { meta: { key: 'oifname' } }, resolved.egressInterface),
              match('==', ipField('saddr'), `@${SOURCE_SET}`),
              match('!=', ipField('daddr'), `@${SOURCE_SET}`),
              match('!=', ipField('daddr'), `@${EXCLUDE_SET}`),
              { counter: null },
              translation(spec),
            ],
          },
        ],
      },
    ],
  };
}

function translation(spec: SourceNatSpec): NftStatement {
  return spec.mode === 'snat' && spec.snatAddress
    ? { snat: { family: 'ip', addr: spec.snatAddress } }
    : { masquerade: null };
}

function match(op: '==' | '!=', left: unknown, right: unknown): NftStatement {
  return { match: { op, left, right } };
}

function ipField(field: 'saddr' | 'daddr'): unknown {
  return { payload: { protocol: 'ip', field } };
}
