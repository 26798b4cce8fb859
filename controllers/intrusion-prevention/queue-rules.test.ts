import { describe, expect, it } from '@jest/globals';
import { queueHash, renderNftQueue } from './queue-rules.js';
import { observedNftQueue } from './queue-port.js';
import { ALL_TRAFFIC, NARROW } from './testdata/queue-specs.js';

const all = ALL_TRAFFIC;
const narrow = NARROW;

describe('the nft path', () => {
  it('queues with bypass to the queue range (flow-hashed, no CPU fan-out), after the firewall', () => {
    const table = renderNftQueue(all);
    expect(table.chains[0]!.base).toEqual({ type: 'filter', hook: 'forward', prio: 50, policy: 'accept' });
    expect(table.chains[0]!.rules[0]!.expr.at(-1)).toEqual({
      queue: { num: { range: [0, 1] }, flags: ['bypass'] },
    });
    expect(renderNftQueue(narrow).chains[0]!.rules).toHaveLength(3);
  });

  it('a listed table is intact only with the desired hash and rule count', () => {
    const table = renderNftQueue(all);
    const listed = { table, counters: [{ chain: 'forward', index: 0, packets: 5, bytes: 300 }] };
    expect(observedNftQueue(listed, all)).toEqual({ present: true, hash: queueHash(all), intact: true, packets: 5 });
    expect(observedNftQueue(listed, narrow).intact).toBe(false);
    expect(observedNftQueue(undefined, all)).toEqual({ present: false, intact: false, packets: 0 });
  });

  it('flow bypass: marked flows return before the queue, and postrouting saves the mark to conntrack', () => {
    const table = renderNftQueue({ ...all, bypassMark: 0x20000000 });
    expect(table.chains.map((ch) => ch.name)).toEqual(['forward', 'postrouting']);
    expect(table.chains[0]!.rules[0]!.expr).toEqual([
      { match: { op: '==', left: { '&': [{ ct: { key: 'mark' } }, 0x20000000] }, right: 0x20000000 } },
      { counter: null },
      { return: null },
    ]);
    expect(table.chains[1]!.rules[0]!.expr[1]).toEqual({
      mangle: { key: { ct: { key: 'mark' } }, value: { '|': [{ ct: { key: 'mark' } }, 0x20000000] } },
    });
    const counters = [
      { chain: 'forward', index: 0, packets: 40, bytes: 0 },
      { chain: 'forward', index: 1, packets: 3, bytes: 0 },
    ];
    const listed = { table, counters };
    expect(observedNftQueue(listed, { ...all, bypassMark: 0x20000000 })).toMatchObject({
      intact: true,
      packets: 3,
      bypassedPackets: 40,
    });
    expect(observedNftQueue(listed, all).intact).toBe(false);
  });
});
