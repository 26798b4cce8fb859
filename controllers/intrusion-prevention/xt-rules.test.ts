import { describe, expect, it } from '@jest/globals';
import { queueHash } from './queue-rules.js';
import { ALL_TRAFFIC, NARROW } from './testdata/queue-specs.js';
import type { QueueSpec } from './types.js';
import { observedXtQueue, parseXtSave, renderXtInstall, renderXtRemove, type XtListing } from './xt-rules.js';

const all = ALL_TRAFFIC;
const narrow = NARROW;
const bypassing: QueueSpec = { ...all, bypassMark: 0x20000000 };

const nothing = (): XtListing => ({
  queue: { exists: false, hooks: 0, rules: [] },
  bypass: { exists: false, hooks: 0, rules: [] },
});
const c = (q: QueueSpec): string => `-m comment --comment "csgw-ips:${queueHash(q)}"`;

describe('renderXtInstall', () => {
  it('replaces the queue chain whole and hooks it into FORWARD once', () => {
    expect(renderXtInstall(all, nothing())).toBe(
      [
        '*security',
        ':CSGW-IPS - [0:0]',
        '-I FORWARD 1 -j CSGW-IPS',
        `-A CSGW-IPS ${c(all)} -j NFQUEUE --queue-balance 0:1 --queue-bypass`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    const hooked = { ...nothing(), queue: { exists: true, hooks: 1, rules: [] } };
    expect(renderXtInstall(all, hooked)).not.toContain('FORWARD');
    const twice = { ...nothing(), queue: { exists: true, hooks: 3, rules: [] } };
    expect(renderXtInstall(all, twice).match(/-D FORWARD -j CSGW-IPS/g)).toHaveLength(2);
  });

  it('one rule per source and destination, ports as multiport; failClosed has no bypass', () => {
    const lines = renderXtInstall(narrow, nothing())
      .split('\n')
      .filter((l) => l.startsWith('-A'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('-s 10.0.0.0/16 -p tcp -m multiport --dports 80,8000:8080');
    expect(lines[1]).toContain('-s 10.9.0.0/16');
    expect(lines[2]).toContain('-d 192.0.2.0/24 -m comment');
    for (const l of lines) expect(l).toMatch(/-j NFQUEUE --queue-num 4$/);
  });

  it('flow bypass: the mark is saved to conntrack first, and a marked flow skips the queue', () => {
    const text = renderXtInstall(bypassing, nothing());
    expect(text).toBe(
      [
        '*mangle',
        ':CSGW-IPS-BYPASS - [0:0]',
        '-I POSTROUTING 1 -j CSGW-IPS-BYPASS',
        `-A CSGW-IPS-BYPASS -m mark --mark 0x20000000/0x20000000 ${c(bypassing)} -j CONNMARK --save-mark --nfmask 0x20000000 --ctmask 0x20000000`,
        'COMMIT',
        '*security',
        ':CSGW-IPS - [0:0]',
        '-I FORWARD 1 -j CSGW-IPS',
        `-A CSGW-IPS -m connmark --mark 0x20000000/0x20000000 ${c(bypassing)} -j RETURN`,
        `-A CSGW-IPS ${c(bypassing)} -j NFQUEUE --queue-balance 0:1 --queue-bypass`,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('turning bypass off removes its chain', () => {
    const listing = { ...nothing(), bypass: { exists: true, hooks: 1, rules: [{ packets: 0 }] } };
    expect(renderXtInstall(all, listing)).toContain(
      '*mangle\n-D POSTROUTING -j CSGW-IPS-BYPASS\n-F CSGW-IPS-BYPASS\n-X CSGW-IPS-BYPASS\nCOMMIT\n*security',
    );
  });

  it('removal unhooks every copy, the queue chain first', () => {
    const listing: XtListing = {
      queue: { exists: true, hooks: 2, rules: [] },
      bypass: { exists: true, hooks: 1, rules: [] },
    };
    expect(renderXtRemove(listing)).toBe(
      [
        '*security',
        '-D FORWARD -j CSGW-IPS',
        '-D FORWARD -j CSGW-IPS',
        '-F CSGW-IPS',
        '-X CSGW-IPS',
        'COMMIT',
        '*mangle',
        '-D POSTROUTING -j CSGW-IPS-BYPASS',
        '-F CSGW-IPS-BYPASS',
        '-X CSGW-IPS-BYPASS',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(renderXtRemove(nothing())).toBe('');
  });
});

describe('observing the xt rules', () => {
  const save = (q: QueueSpec, o: { hooks?: number; rules?: number; bypass?: boolean } = {}): string =>
    [
      '*mangle',
      ':POSTROUTING ACCEPT [0:0]',
      ...(o.bypass
        ? [
            ':CSGW-IPS-BYPASS - [0:0]',
            '[9:540] -A POSTROUTING -j CSGW-IPS-BYPASS',
            `[2:120] -A CSGW-IPS-BYPASS -m mark --mark 0x20000000/0x20000000 ${c(q)} -j CONNMARK --save-mark`,
          ]
        : []),
      'COMMIT',
      '*security',
      ':FORWARD ACCEPT [0:0]',
      ':CSGW-IPS - [0:0]',
      ...Array.from({ length: o.hooks ?? 1 }, () => '[3:180] -A FORWARD -j CSGW-IPS'),
      ...(o.bypass ? [`[5:300] -A CSGW-IPS -m connmark --mark 0x20000000/0x20000000 ${c(q)} -j RETURN`] : []),
      ...Array.from({ length: o.rules ?? 1 }, () => `[7:420] -A CSGW-IPS ${c(q)} -j NFQUEUE --queue-num 0`),
      'COMMIT',
    ].join('\n');

  it('what restore wrote is intact, with the queued packets counted', () => {
    expect(observedXtQueue(parseXtSave(save(all)), all)).toEqual({
      present: true,
      hash: queueHash(all),
      intact: true,
      packets: 7,
    });
    expect(observedXtQueue(parseXtSave(save(bypassing, { bypass: true })), bypassing)).toMatchObject({
      intact: true,
      packets: 7,
      bypassedPackets: 5,
    });
  });

  it.each([
    ['a second hook', save(all, { hooks: 2 }), all],
    ['no hook', save(all, { hooks: 0 }), all],
    ['a rule missing', save(all, { rules: 0 }), all],
    ['the bypass chain missing', save(bypassing), bypassing],
    ['a bypass chain no longer wanted', save(all, { bypass: true }), all],
  ])('%s is not intact', (_, text, desired) => {
    expect(observedXtQueue(parseXtSave(text), desired).intact).toBe(false);
  });

  it('nothing of ours: not present', () => {
    const text = '*security\n:FORWARD ACCEPT [0:0]\nCOMMIT\n*mangle\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n';
    expect(observedXtQueue(parseXtSave(text), all)).toMatchObject({ present: false, intact: false });
  });
});
