import { describe, expect, it } from '@jest/globals';
import { countRules, sidOf, switchRules, toDetectMode } from './rule-files.js';

const FILE = [
  '# Packaged rules',
  'alert http any any -> any any (msg:"one"; sid:1; rev:1;)',
  '# alert http any any -> any any (msg:"two"; sid:2; rev:1;)',
  '#drop tls any any -> any any (msg:"three"; sid:3; rev:1;)',
  'drop tcp any any -> any any (msg:"four"; sid:4; rev:1;)',
  '# a comment naming sid:5; that is no rule',
  '',
].join('\n');

const none = new Set<number>();

describe('switchRules', () => {
  it('comments out disabled rules and uncomments enabled ones, leaving everything else alone', () => {
    const out = switchRules(FILE, { disabled: new Set([1, 3]), enabled: new Set([2, 3, 5]) }).split('\n');
    expect(out).toEqual([
      '# Packaged rules',
      '# alert http any any -> any any (msg:"one"; sid:1; rev:1;)',
      'alert http any any -> any any (msg:"two"; sid:2; rev:1;)',
      // Disabled wins over enabled.
      '#drop tls any any -> any any (msg:"three"; sid:3; rev:1;)',
      'drop tcp any any -> any any (msg:"four"; sid:4; rev:1;)',
      '# a comment naming sid:5; that is no rule',
      '',
    ]);
  });

  it('changes nothing without switches, and matches a sid exactly (not as a prefix)', () => {
    expect(switchRules(FILE, { disabled: none, enabled: none })).toBe(FILE);
    expect(switchRules(FILE, { disabled: new Set([11, 41]), enabled: new Set([21]) })).toBe(FILE);
  });

  it('finds the sid with spaces and tabs, never one inside msg text', () => {
    expect(sidOf('alert ip any any -> any any (msg:"x"; sid : 42 ;)')).toBe(42);
    expect(sidOf('alert ip any any -> any any (msg:"x";\tsid:43;)')).toBe(43);
    expect(sidOf('alert ip any any -> any any (msg:"nosid:9;"; gid:1;)')).toBeUndefined();
  });
});

describe('toDetectMode', () => {
  it('turns every active drop and reject into alert and keeps the rest', () => {
    const text = [
      'drop tcp any any -> any any (msg:"d"; sid:1;)',
      'reject tcp any any -> any any (msg:"r"; sid:2;)',
      'rejectsrc tcp any any -> any any (msg:"rs"; sid:3;)',
      'rejectdst tcp any any -> any any (msg:"rd"; sid:4;)',
      'rejectboth tcp any any -> any any (msg:"rb"; sid:5;)',
      'pass tcp any any -> any any (msg:"drop "; sid:6;)',
      '  DROP\ttcp any any -> any any (msg:"spaced"; sid:7;)',
      '# drop tcp any any -> any any (msg:"off"; sid:8;)',
      'dropped-not-an-action',
    ].join('\n');
    expect(toDetectMode(text).split('\n')).toEqual([
      'alert tcp any any -> any any (msg:"d"; sid:1;)',
      'alert tcp any any -> any any (msg:"r"; sid:2;)',
      'alert tcp any any -> any any (msg:"rs"; sid:3;)',
      'alert tcp any any -> any any (msg:"rd"; sid:4;)',
      'alert tcp any any -> any any (msg:"rb"; sid:5;)',
      'pass tcp any any -> any any (msg:"drop "; sid:6;)',
      '  alert\ttcp any any -> any any (msg:"spaced"; sid:7;)',
      '# drop tcp any any -> any any (msg:"off"; sid:8;)',
      'dropped-not-an-action',
    ]);
  });
});

describe('countRules', () => {
  it('counts active rule lines only', () => {
    expect(countRules(FILE)).toBe(2);
    expect(countRules('')).toBe(0);
    expect(countRules(switchRules(FILE, { disabled: new Set([1, 4]), enabled: new Set([2]) }))).toBe(1);
  });
});
