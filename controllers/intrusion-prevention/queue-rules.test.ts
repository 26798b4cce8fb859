import { describe, expect, it } from '@jest/globals';
import {
  observedXtQueue,
  parseXtSave,
  queueHash,
  renderNftQueue,
  renderXtQueue,
  renderXtUnqueue,
} from './queue-rules.js';
import { observedNftQueue } from './queue-port.js';
import type { QueueSpec } from './types.js';

const all: QueueSpec = { selectors: [], first: 0, count: 2, bypass: true };
const narrow: QueueSpec = {
  selectors: [
    { sources: ['10.0.0.0/16', '10.9.0.0/16'], destinations: [], protocol: 'tcp', ports: ['80', '8000-8080'] },
    { sources: [], destinations: ['192.0.2.0/24'], protocol: 'any', ports: [] },
  ],
  first: 4,
  count: 1,
  bypass: false,
};

describe('renderXtQueue', () => {
  it('replaces the chain whole and hooks it into FORWARD once', () => {
    const text = renderXtQueue(all, false);
    const c = `-m comment --comment "csgw-ips:${queueHash(all)}"`;
    expect(text).toBe(
      [
        '*security',
        ':CSGW-IPS - [0:0]',
        '-I FORWARD 1 -j CSGW-IPS',
        `-A CSGW-IPS ${c} -j NFQUEUE --queue-balance 0:1 --queue-cpu-fanout --queue-bypass`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(renderXtQueue(all, true)).not.toContain('FORWARD');
  });

  it('one rule per source and destination, ports as multiport; failClosed has no bypass', () => {
    const lines = renderXtQueue(narrow, true)
      .split('\n')
      .filter((l) => l.startsWith('-A'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('-s 10.0.0.0/16 -p tcp -m multiport --dports 80,8000:8080');
    expect(lines[1]).toContain('-s 10.9.0.0/16');
    expect(lines[2]).toContain('-d 192.0.2.0/24 -m comment');
    for (const l of lines) expect(l).toMatch(/-j NFQUEUE --queue-num 4$/);
  });

  it('removal unhooks every copy before deleting the chain', () => {
    expect(renderXtUnqueue(2)).toBe(
      '*security\n-D FORWARD -j CSGW-IPS\n-D FORWARD -j CSGW-IPS\n-F CSGW-IPS\n-X CSGW-IPS\nCOMMIT\n',
    );
  });
});

describe('observing the xt rules', () => {
  const save = (hash: string, hooks = 1, rules = 1): string =>
    [
      '*security',
      ':FORWARD ACCEPT [0:0]',
      ':CSGW-IPS - [0:0]',
      ...Array.from({ length: hooks }, () => '[3:180] -A FORWARD -j CSGW-IPS'),
      ...Array.from(
        { length: rules },
        () => `[7:420] -A CSGW-IPS -m comment --comment "csgw-ips:${hash}" -j NFQUEUE --queue-num 0`,
      ),
      'COMMIT',
    ].join('\n');

  it('what restore wrote is intact, with its packets counted', () => {
    const q = observedXtQueue(parseXtSave(save(queueHash(all))), all);
    expect(q).toEqual({ present: true, hash: queueHash(all), intact: true, packets: 7 });
  });

  it.each([
    ['a second hook', save('abc', 2)],
    ['no hook', save('abc', 0)],
    ['a rule missing', save('abc', 1, 0)],
  ])('%s is not intact', (_, text) => {
    expect(observedXtQueue(parseXtSave(text), all).intact).toBe(false);
  });

  it('nothing of ours: not present', () => {
    expect(observedXtQueue(parseXtSave('*security\n:FORWARD ACCEPT [0:0]\nCOMMIT\n'), all)).toMatchObject({
      present: false,
      intact: false,
    });
  });
});

describe('the nft path', () => {
  it('queues with bypass and fanout to the queue range, after the firewall', () => {
    const table = renderNftQueue(all);
    expect(table.chains[0]!.base).toEqual({ type: 'filter', hook: 'forward', prio: 50, policy: 'accept' });
    expect(table.chains[0]!.rules[0]!.expr.at(-1)).toEqual({
      queue: { num: { range: [0, 1] }, flags: ['bypass', 'fanout'] },
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
});
