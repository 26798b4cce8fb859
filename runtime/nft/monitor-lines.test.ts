import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseMonitorLine } from './monitor-lines.js';

describe('parseMonitorLine', () => {
  it('reads the table of every kind of event nft 1.0.6 prints', () => {
    const lines = [
      'add table inet t1',
      'add set inet t1 s { type ipv4_addr; flags interval; } ',
      'add element inet t1 s { 10.0.0.0/8 }',
      'add chain inet t1 c { type filter hook input priority filter; policy accept; }',
      'add rule inet t1 c ip saddr @s counter packets 0 bytes 0 accept comment "x y"',
      'delete element inet t1 s { 1.2.3.4 }',
      'delete rule inet t1 c handle 3',
      'delete table inet t1',
      'flush chain inet t1 c',
    ];
    for (const line of lines) expect(parseMonitorLine(line)).toEqual({ kind: 'change', table: 'inet t1' });
    expect(parseMonitorLine('add table ip "quoted"')).toEqual({ kind: 'change', table: 'ip quoted' });
  });

  it('reads the committing pid of a generation, and generations without one', () => {
    expect(parseMonitorLine('# new generation 4 by process 3862 (nft)')).toEqual({ kind: 'generation', pid: 3862 });
    expect(parseMonitorLine('# new generation 5')).toEqual({ kind: 'generation' });
    expect(parseMonitorLine('# new generation 6 by process 99999999999999999999 (x)')).toEqual({ kind: 'generation' });
  });

  it('ignores what names no table', () => {
    for (const line of ['', '}', '  elements = { 1.2.3.4 }', 'add table', 'add table foo t', 'hello inet t', '# x'])
      expect(parseMonitorLine(line)).toBeUndefined();
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => {
        const parsed = parseMonitorLine(line);
        if (parsed?.kind === 'change') expect(parsed.table.split(' ').length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 2000 },
    );
  });
});
