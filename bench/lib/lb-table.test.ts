import { describe, expect, it } from '@jest/globals';
import { loadBalancerSpec, renderLbTransaction, targetCounters, type BenchService } from './lb-table.js';

const TARGETS = ['10.78.1.2', '10.78.2.2', '10.78.3.2'];
const conn: BenchService = { name: 'bench-conn', port: 8080, scheduler: 'rr', sourceNat: false };
const iperf: BenchService = { name: 'bench-iperf', port: 5201, scheduler: 'sh', sourceNat: false };

type Command = Record<string, Record<string, Record<string, unknown>>>;
const rulesOf = (t: { nftables: unknown[] }, chain: RegExp): unknown[][] =>
  (t.nftables as Command[])
    .flatMap((c) => (c.add?.rule ? [c.add.rule] : []))
    .filter((r) => chain.test(String(r.chain)))
    .map((r) => r.expr as unknown[]);

describe('renderLbTransaction: the controller decodes, tracks and plans the benchmark services', () => {
  it('replaces the csgw_lb table with one listener rule per service and a dnat chain per target', async () => {
    const t = await renderLbTransaction([conn, iperf], TARGETS);
    const commands = t.nftables as Command[];
    expect(commands[1]).toEqual({ delete: { table: { family: 'ip', name: 'csgw_lb' } } });
    const listeners = rulesOf(t, /^listeners$/);
    expect(listeners.map((expr) => JSON.stringify(expr))).toEqual([
      expect.stringContaining('"right":8080'),
      expect.stringContaining('"right":5201'),
    ]);
    const dnats = rulesOf(t, /^tgt-/).map((expr) => expr.find((s) => JSON.stringify(s).startsWith('{"dnat"')));
    expect(dnats).toHaveLength(6);
    expect(dnats).toContainEqual({ dnat: { addr: '10.78.3.2', port: 5201 } });
  });

  it('spreads rr with numgen over every target and sh with a jhash of the source address', async () => {
    const t = JSON.stringify(await renderLbTransaction([conn, iperf], TARGETS));
    expect(t).toContain('"numgen":{"mode":"inc","mod":3,"offset":0}');
    expect(t).toContain('"jhash":{"mod":3,"seed":0,"expr":{"payload":{"protocol":"ip","field":"saddr"}}}');
  });

  it('marks sourceNat connections for masquerade only when the spec asks', async () => {
    const plain = JSON.stringify(await renderLbTransaction([conn], TARGETS));
    const snat = JSON.stringify(await renderLbTransaction([{ ...conn, sourceNat: true }], TARGETS));
    expect(plain).not.toContain('"ct":{"key":"mark"}},"value"');
    expect(snat).toContain('"mangle":{"key":{"ct":{"key":"mark"}}');
  });

  it('refuses what the controller refuses: a target that is no address never reaches the table', async () => {
    await expect(renderLbTransaction([conn], ['10.78.1.2; flush ruleset'])).rejects.toThrow(/decode failed|rejected/);
    await expect(renderLbTransaction([conn], ['127.0.0.1'])).rejects.toThrow(/unicast/);
  });

  it('writes the spec a user would write', () => {
    expect(loadBalancerSpec(conn, ['10.78.1.2'])).toEqual({
      listener: { protocol: 'TCP', port: 8080 },
      targets: { static: [{ address: '10.78.1.2' }] },
      scheduler: 'rr',
      sourceNat: false,
      healthCheck: { source: 'none' },
    });
  });
});

describe('targetCounters', () => {
  const rule = (chain: string, packets?: number) => ({
    rule: {
      family: 'ip',
      table: 'csgw_lb',
      chain,
      expr: [...(packets === undefined ? [] : [{ counter: { packets, bytes: packets * 60 } }]), { dnat: {} }],
    },
  });

  it("reads each target chain's counter by address:port and ignores other chains", () => {
    const listing = {
      nftables: [
        { metainfo: { version: '1.0.6' } },
        rule('tgt-b145-10.78.1.2-8080', 7),
        rule('tgt-b145-10.78.2.2-8080', 6),
        rule('svc-b145', 99),
        rule('tgt-89b9-10.78.1.2-5201'),
      ],
    };
    expect(targetCounters(listing)).toEqual({ '10.78.1.2:8080': 7, '10.78.2.2:8080': 6, '10.78.1.2:5201': 0 });
  });

  it('gives nothing for something that is no listing', () => {
    expect(targetCounters(undefined)).toEqual({});
    expect(targetCounters({ nftables: 'x' })).toEqual({});
  });
});
