import { describe, expect, it } from '@jest/globals';
import { findKind } from '../crds-equivalent/index.js';
import { resourceTable } from './commands/get.js';
import { fleetTable } from './commands/status.js';
import { EventPrinter } from './event-printer.js';
import { displayWidth, formatAge, formatCell, formatTable, valueAtPath } from './format.js';
import type { StatusEvent } from '../runtime/status-types.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);
const sourceNat = findKind('SourceNat') ?? fail('SourceNat kind missing');

function fail(message: string): never {
  throw new Error(message);
}

describe('formatTable', () => {
  it('aligns columns with three spaces and does not pad the last column', () => {
    expect(
      formatTable(
        ['NAME', 'X'],
        [
          ['a', '1'],
          ['longer', '22'],
        ],
      ),
    ).toBe('NAME     X\na        1\nlonger   22\n');
  });
});

describe('cells', () => {
  it('formats lists, objects, missing values and paths', () => {
    expect(formatCell(['10.0.0.0/16', '10.1.0.0/16'])).toBe('10.0.0.0/16,10.1.0.0/16');
    expect(formatCell([])).toBe('<none>');
    expect(formatCell(undefined)).toBe('<none>');
    expect(formatCell(false)).toBe('false');
    expect(formatCell({ max: 1 })).toBe('{"max":1}');
    expect(valueAtPath({ spec: { conntrack: { max: 5 } } }, 'spec.conntrack.max')).toBe(5);
    expect(valueAtPath({ spec: null }, 'spec.mode')).toBeUndefined();
  });

  it('prints kubectl-style ages', () => {
    expect(formatAge(ago(5), NOW)).toBe('5s');
    expect(formatAge(ago(600), NOW)).toBe('10m');
    expect(formatAge(ago(3 * 3600), NOW)).toBe('3h');
    expect(formatAge(ago(5 * 86400), NOW)).toBe('5d');
    expect(formatAge(undefined, NOW)).toBe('<unknown>');
  });
});

describe('resourceTable', () => {
  it('shows the printer columns and lists a value that is not JSON', () => {
    const table = resourceTable(
      sourceNat,
      [
        { kind: sourceNat, name: 'broken', generation: 3, value: '{oops', lastModified: ago(30) },
        {
          kind: sourceNat,
          name: 'default',
          generation: 2,
          value: '{"enable":true,"sourceCidrs":["10.0.0.0/16"]}',
          lastModified: ago(90),
        },
      ],
      false,
      NOW,
    );
    const lines = table.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{3,}/)).toEqual(['NAME', 'GENERATION', 'ENABLE', 'MODE', 'EGRESS', 'SOURCES', 'AGE']);
    expect(lines[1]?.split(/\s{3,}/)).toEqual([
      'broken',
      '3',
      '<invalid JSON>',
      '<invalid JSON>',
      '<invalid JSON>',
      '<invalid JSON>',
      '30s',
    ]);
    expect(lines[2]?.split(/\s{3,}/)).toEqual(['default', '2', 'true', '<none>', '<none>', '10.0.0.0/16', '90s']);
  });
});

describe('fleetTable', () => {
  it('shows one row per controller with the Ready condition, and unreadable documents', () => {
    const table = fleetTable(
      [
        {
          instanceId: 'i-1',
          status: {
            instanceId: 'i-1',
            gateway: 'default',
            operatorVersion: '0.1.0',
            updatedAt: ago(10).toISOString(),
            controllers: {
              SourceNat: {
                kind: 'SourceNat',
                name: 'default',
                observedGeneration: 4,
                phase: 'waiting',
                conditions: [{ type: 'Ready', status: 'True', reason: 'Applied', message: '', lastTransitionTime: '' }],
                details: {},
              },
              FirewallPolicy: {
                kind: 'FirewallPolicy',
                name: 'base,büro',
                observedGeneration: 12,
                phase: 'waiting',
                conditions: [
                  { type: 'Ready', status: 'True', reason: 'Converged', message: '', lastTransitionTime: '' },
                  { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message: '', lastTransitionTime: '' },
                ],
                details: {},
              },
            },
          },
        },
        { instanceId: 'i-2', error: '<invalid JSON>', lastModified: ago(7200) },
      ],
      NOW,
    );
    const lines = table
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/));
    const headers = ['INSTANCE', 'KIND', 'NAME', 'PHASE', 'READY', 'REASON', 'DEGRADED', 'GENERATION', 'UPDATED'];
    expect(lines[0]).toEqual(headers);
    expect(lines[1]).toEqual(['i-1', 'SourceNat', 'default', 'waiting', 'True', 'Applied', '<none>', '4', '10s']);
    expect(lines[2]).toEqual([
      'i-1',
      'FirewallPolicy',
      'base,büro',
      'waiting',
      'True',
      'Converged',
      'True:InvalidSpec',
      '12',
      '10s',
    ]);
    expect(lines[3]?.[0]).toBe('i-2');
    expect(lines[3]).toContain('<invalid JSON>');
    // Every row has every column, starting where its header starts.
    const rows = table.trimEnd().split('\n');
    for (const row of rows) expect(row.split(/\s{3,}/)).toHaveLength(headers.length);
    for (const header of headers.slice(1)) {
      const at = rows[0]?.indexOf(header) ?? -1;
      for (const row of rows.slice(1)) expect(row[at - 1]).toBe(' ');
    }
  });
});

describe('formatTable', () => {
  it('aligns cells holding astral, combining and wide characters by the columns they take', () => {
    const table = formatTable(
      ['A', 'B'],
      [
        ['x…🔥', '1'],
        ['e\u0301', '2'],
        ['日本', '3'],
        ['plain', '4'],
      ],
    );
    const ends = table
      .trimEnd()
      .split('\n')
      .map((l) => displayWidth(l.slice(0, -1)));
    expect(new Set(ends).size).toBe(1);
    expect(displayWidth('🔥')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});

describe('EventPrinter', () => {
  const event = (reason: string, seconds: number): StatusEvent => ({
    type: 'Normal',
    reason,
    message: `did ${reason}`,
    object: { kind: 'SourceNat', name: 'default' },
    instanceId: 'i-1',
    count: 2,
    firstTimestamp: ago(seconds).toISOString(),
    lastTimestamp: ago(seconds).toISOString(),
  });

  it('prints the replay as one table at synced and aligns later events with it', () => {
    let out = '';
    const printer = new EventPrinter({ write: (s: string) => (out += s) }, 'table', () => NOW);
    printer.event(event('Applied', 5));
    expect(out).toBe('');
    printer.synced({ write: () => undefined }, true);
    printer.event(event('DriftRepaired', 0));
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.split(/\s{3,}/)).toEqual(['LAST', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE']);
    expect(lines[1]?.split(/\s{3,}/)).toEqual(['5s', 'Normal', 'Applied', 'sourcenat/default', '2', 'did Applied']);
    expect(lines[2]?.indexOf('sourcenat/default')).toBe(lines[1]?.indexOf('sourcenat/default'));
  });

  it('prints one JSON object per line in json form', () => {
    let out = '';
    const printer = new EventPrinter({ write: (s: string) => (out += s) }, 'json', () => NOW);
    printer.event(event('Applied', 5));
    printer.synced({ write: () => undefined }, false);
    expect(JSON.parse(out)).toMatchObject({ reason: 'Applied' });
  });
});
