import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { MonitorTracker } from './monitor-tracker.js';

const noop = (): void => undefined;

describe('MonitorTracker', () => {
  it("marks a watched table changed by another process's generation, not by its own commits", () => {
    const tracker = new MonitorTracker(0);
    const watch = tracker.watch('inet', 't', noop);
    tracker.ownCommit(100);
    tracker.line('add element inet t s { 1.2.3.4 }');
    tracker.line('# new generation 2 by process 100 (nft)');
    expect(watch.epoch()).toBe(0);
    tracker.line('delete element inet t s { 1.2.3.4 }');
    tracker.line('# new generation 3 by process 200 (nft)');
    expect(watch.epoch()).toBe(1);
    // A generation names no pid: whose it was is unknown, so it is foreign.
    tracker.line('add element inet t s { 1.2.3.4 }');
    tracker.line('# new generation 4');
    expect(watch.epoch()).toBe(2);
  });

  it('ignores generations that name only other tables; one that names none may have changed any', () => {
    const tracker = new MonitorTracker(0);
    const watch = tracker.watch('inet', 't', noop);
    tracker.line('add element inet other s { 1.2.3.4 }');
    tracker.line('add element ip t s { 1.2.3.4 }');
    tracker.line('# new generation 2 by process 7 (nft)');
    expect(watch.epoch()).toBe(0);
    // nft 1.0.6 prints nothing for an element deleted from an interval set: only the generation line.
    tracker.line('# new generation 3 by process 7 (nft)');
    expect(watch.epoch()).toBe(1);
    tracker.ownCommit(8);
    tracker.line('# new generation 4 by process 8 (nft)');
    expect(watch.epoch()).toBe(1);
  });

  it('marks every table on lost events and on (re)start, and is live only while told so', () => {
    const tracker = new MonitorTracker(0);
    const a = tracker.watch('inet', 'a', noop);
    const b = tracker.watch('ip', 'b', noop);
    expect(a.live()).toBe(false);
    tracker.setLive(true);
    expect([a.live(), a.epoch(), b.epoch()]).toEqual([true, 1, 1]);
    tracker.lost();
    expect([a.epoch(), b.epoch()]).toEqual([2, 2]);
  });

  it('emits changes$ once per burst, and closes the last watch of a table', async () => {
    jest.useFakeTimers();
    try {
      const tracker = new MonitorTracker(50);
      const closed = jest.fn();
      const watch = tracker.watch('inet', 't', closed);
      const seen = jest.fn();
      watch.changes$.subscribe(seen);
      for (let g = 0; g < 3; g++) {
        tracker.line('add element inet t s { 1.2.3.4 }');
        tracker.line(`# new generation ${g} by process 9 (nft)`);
      }
      await jest.advanceTimersByTimeAsync(60);
      expect(seen).toHaveBeenCalledTimes(1);
      watch.close();
      watch.close();
      expect(closed).toHaveBeenCalledTimes(1);
      expect(tracker.watching).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('only a foreign generation that touched the table, or named none, moves its epoch; an own pid counts once (any interleaving)', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('change' as const), table: fc.constantFrom('t', 'u') }),
      fc.record({ kind: fc.constant('generation' as const), pid: fc.constantFrom(1, 2, 3) }),
      fc.record({ kind: fc.constant('noise' as const), text: fc.string({ maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const tracker = new MonitorTracker(0);
        const watch = tracker.watch('inet', 't', noop);
        tracker.ownCommit(1);
        let pending = false;
        let named = false;
        let expected = 0;
        let ownUnseen = true;
        for (const e of events) {
          if (e.kind === 'change') {
            tracker.line(`add element inet ${e.table} s { 1.2.3.4 }`);
            pending ||= e.table === 't';
            named = true;
          } else if (e.kind === 'generation') {
            tracker.line(`# new generation 1 by process ${e.pid} (nft)`);
            const own = e.pid === 1 && ownUnseen;
            if (own) ownUnseen = false;
            if ((pending || !named) && !own) expected += 1;
            pending = named = false;
          } else if (!e.text.startsWith('#')) tracker.line(`}${e.text}`);
        }
        expect(watch.epoch()).toBe(expected);
      }),
    );
  });
});
