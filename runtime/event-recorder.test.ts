import { describe, expect, it } from '@jest/globals';
import { EventRecorder, type EventInput } from './event-recorder.js';
import type { StatusEvent } from './status-types.js';

function clock(start = Date.parse('2025-01-01T00:00:00Z')): { now: () => Date; advance: (ms: number) => void } {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

const input = (over: Partial<EventInput> = {}): EventInput => ({
  type: 'Warning',
  reason: 'ApplyFailed',
  message: 'nft rejected the transaction',
  object: { kind: 'SourceNat', name: 'default' },
  ...over,
});

describe('EventRecorder', () => {
  it('records a new event with count 1 and both timestamps at now', () => {
    const c = clock();
    const rec = new EventRecorder('i-123', c.now);
    expect(rec.record(input())).toEqual({
      ...input(),
      instanceId: 'i-123',
      count: 1,
      firstTimestamp: '2025-01-01T00:00:00.000Z',
      lastTimestamp: '2025-01-01T00:00:00.000Z',
    });
  });

  it('folds a repeat into one entry: count and lastTimestamp move, firstTimestamp stays', () => {
    const c = clock();
    const rec = new EventRecorder('i-123', c.now);
    rec.record(input());
    c.advance(30_000);
    const repeat = rec.record(input());
    expect(repeat).toMatchObject({
      count: 2,
      firstTimestamp: '2025-01-01T00:00:00.000Z',
      lastTimestamp: '2025-01-01T00:00:30.000Z',
    });
    expect(rec.list()).toEqual([repeat]);
  });

  it.each([
    ['type', { type: 'Normal' as const }],
    ['reason', { reason: 'VerifyFailed' }],
    ['message', { message: 'another message' }],
    ['object name', { object: { kind: 'SourceNat', name: 'other' } }],
    ['object kind', { object: { kind: 'Other', name: 'default' } }],
  ])('keeps events that differ in %s apart', (_field, over) => {
    const rec = new EventRecorder('i', clock().now);
    rec.record(input());
    rec.record(input(over));
    expect(rec.list().map((e) => e.count)).toEqual([1, 1]);
  });

  it('moves a repeated event to the newest position', () => {
    const rec = new EventRecorder('i', clock().now);
    rec.record(input({ reason: 'A' }));
    rec.record(input({ reason: 'B' }));
    rec.record(input({ reason: 'A' }));
    expect(rec.list().map((e) => e.reason)).toEqual(['B', 'A']);
  });

  it('evicts the oldest entries beyond capacity and keeps the newest', () => {
    const rec = new EventRecorder('i', clock().now, 3);
    for (const reason of ['A', 'B', 'C', 'D', 'E']) rec.record(input({ reason }));
    expect(rec.list().map((e) => e.reason)).toEqual(['C', 'D', 'E']);
  });

  it('a repeat refreshes an entry so it survives eviction', () => {
    const rec = new EventRecorder('i', clock().now, 2);
    rec.record(input({ reason: 'A' }));
    rec.record(input({ reason: 'B' }));
    rec.record(input({ reason: 'A' }));
    rec.record(input({ reason: 'C' }));
    expect(rec.list().map((e) => `${e.reason}x${e.count}`)).toEqual(['Ax2', 'Cx1']);
  });

  it('streams every record, repeats included, and completes', () => {
    const rec = new EventRecorder('i', clock().now);
    const seen: StatusEvent[] = [];
    let completed = false;
    rec.events$.subscribe({ next: (e) => seen.push(e), complete: () => void (completed = true) });
    rec.record(input());
    rec.record(input());
    rec.record(input({ reason: 'Other' }));
    rec.complete();
    expect(seen.map((e) => [e.reason, e.count])).toEqual([
      ['ApplyFailed', 1],
      ['ApplyFailed', 2],
      ['Other', 1],
    ]);
    expect(completed).toBe(true);
  });
});
