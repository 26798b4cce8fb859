import { describe, expect, it } from '@jest/globals';
import type { ThresholdEntry } from './model.js';
import { renderThresholds } from './threshold.js';
import { isIpOrCidr } from './net.js';

describe('renderThresholds', () => {
  it('writes thresholds and suppressions in Suricata syntax', () => {
    expect(
      renderThresholds([
        { kind: 'threshold', sid: 2001, type: 'limit', track: 'by_src', count: 1, seconds: 60 },
        { kind: 'suppress', sid: 2002 },
        { kind: 'suppress', sid: 2003, track: 'by_either', ip: '10.0.0.0/8' },
        { kind: 'suppress', sid: 2004, track: 'by_src', ip: 'fd00::1' },
      ]),
    ).toBe(
      'threshold gen_id 1, sig_id 2001, type limit, track by_src, count 1, seconds 60\n' +
        'suppress gen_id 1, sig_id 2002\n' +
        'suppress gen_id 1, sig_id 2003, track by_either, ip 10.0.0.0/8\n' +
        'suppress gen_id 1, sig_id 2004, track by_src, ip fd00::1\n',
    );
    expect(renderThresholds([])).toBe('');
  });

  it.each<[string, ThresholdEntry, RegExp]>([
    [
      'an injected ip',
      { kind: 'suppress', sid: 1, track: 'by_src', ip: '10.0.0.1\nsuppress gen_id 1, sig_id 2' },
      /ip/,
    ],
    ['a list as ip', { kind: 'suppress', sid: 1, track: 'by_src', ip: '[10.0.0.1,10.0.0.2]' }, /ip/],
    ['a track without ip', { kind: 'suppress', sid: 1, track: 'by_src' }, /track and ip together/],
    ['sid 0', { kind: 'suppress', sid: 0 }, /sid 0/],
    [
      'a fractional count',
      { kind: 'threshold', sid: 1, type: 'limit', track: 'by_src', count: 1.5, seconds: 1 },
      /count/,
    ],
    [
      'an unknown type',
      { kind: 'threshold', sid: 1, type: 'x' as 'limit', track: 'by_src', count: 1, seconds: 1 },
      /type/,
    ],
    [
      'a suppress track',
      { kind: 'threshold', sid: 1, type: 'limit', track: 'by_either' as 'by_src', count: 1, seconds: 1 },
      /track/,
    ],
  ])('refuses %s', (_, entry, reason) => {
    expect(() => renderThresholds([entry])).toThrow(reason);
  });
});

describe('isIpOrCidr', () => {
  it.each(['10.0.0.0/8', '0.0.0.0/0', '1.2.3.4', '::/0', 'fd00::/8', '2001:db8::1', '::ffff:10.0.0.1', '10.0.0.0/32'])(
    'accepts %s',
    (v) => expect(isIpOrCidr(v)).toBe(true),
  );
  it.each([
    '',
    '10.0.0.0/33',
    '10.0.0/8',
    '01.2.3.4',
    '1.2.3.4/08',
    'fd00::/129',
    'fd00:::1',
    '::1]/x',
    'a.b.c.d',
    '1.2.3.4/',
  ])('refuses %s', (v) => expect(isIpOrCidr(v)).toBe(false));
});
