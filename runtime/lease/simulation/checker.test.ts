import { describe, expect, it } from '@jest/globals';
import type { FencingToken } from '../fencing.js';
import type { LeaseRecord } from '../record.js';
import { SafetyChecker, type CheckedNode, type Interval } from './checker.js';
import { checkLiveness, livenessDeadline } from './liveness.js';
import { SimParameterStore } from './store.js';

/** A node that is leader, with one token, during [from, until) of real time. */
class FakeNode implements CheckedNode {
  from = Infinity;
  until = Infinity;
  epoch = 0;
  version = 0;

  constructor(
    readonly index: number,
    public incarnation = 1,
  ) {}

  get holder(): string {
    return `node-${this.index}`;
  }

  lead(from: number, until: number, epoch: number, version = epoch): this {
    Object.assign(this, { from, until, epoch, version });
    return this;
  }

  isLeader(t: number): boolean {
    return this.from <= t && t < this.until;
  }

  token(t: number): FencingToken | undefined {
    if (!this.isLeader(t)) return undefined;
    return { scope: 'cluster', holder: this.holder, epoch: this.epoch, version: this.version };
  }
}

function lease(holder: string, basedOn: number, epoch = basedOn + 1): LeaseRecord {
  const id = `${holder}/${basedOn}`;
  return {
    holder,
    epoch,
    basedOn,
    writeId: id,
    leaseDurationMs: 3000,
    released: false,
    acquireTime: '',
    renewTime: '',
  };
}

/** A store whose versions 1.. were written, effectively, by the given nodes (all first incarnations). */
function storeOf(...writers: number[]): SimParameterStore {
  const store = new SimParameterStore();
  writers.forEach((node, i) => store.put(lease(`node-${node}`, i), { node, incarnation: 1 }, i));
  return store;
}

/** Runs the checker over events at the given real times. */
function run(checker: SafetyChecker, times: number[]): void {
  for (const t of times) {
    checker.beforeEvent(t);
    checker.afterEvent(t);
  }
}

describe('SafetyChecker', () => {
  it('ends a term at the exact instant the core stops answering leader, between events', () => {
    const a = new FakeNode(0).lead(10, 123.456, 1);
    const checker = new SafetyChecker([a], storeOf(0));
    run(checker, [10, 100, 200]);
    expect(checker.violations).toEqual([]);
    const [interval] = checker.intervals;
    expect(interval).toMatchObject({ node: 0, epoch: 1, start: 10 });
    expect(Math.abs(interval!.end - 123.456)).toBeLessThan(1e-9);
    expect(checker.counts).toEqual({ terms: 1, takeovers: 0 });
  });

  it('reports a node that becomes leader while another still is', () => {
    const a = new FakeNode(0).lead(10, 300, 1);
    const b = new FakeNode(1).lead(250, 900, 2);
    const checker = new SafetyChecker([a, b], storeOf(0, 1));
    run(checker, [10, 250]);
    expect(checker.violations).toEqual(['t=250.000: node-1 became leader while node-0 is leader']);
  });

  it('accepts a takeover at the very instant the previous term ended', () => {
    const a = new FakeNode(0).lead(10, 250, 1);
    const b = new FakeNode(1).lead(250, 900, 2);
    const checker = new SafetyChecker([a, b], storeOf(0, 1));
    run(checker, [10, 250, 1000]);
    checker.finish(1000);
    expect(checker.violations).toEqual([]);
    expect(checker.counts).toEqual({ terms: 2, takeovers: 1 });
  });

  it('reports an epoch shared by two holders, and an epoch that goes back', () => {
    const shared = new SafetyChecker([new FakeNode(0).lead(0, 10, 1), new FakeNode(1).lead(20, 30, 1)], storeOf(0));
    run(shared, [0, 20]);
    expect(shared.violations[0]).toBe('t=20.000: node-1#1 and node-0#1 share epoch 1');
    const store = storeOf(0, 1);
    const back = new SafetyChecker([new FakeNode(1).lead(0, 10, 2), new FakeNode(0).lead(20, 30, 1)], store);
    run(back, [0, 20]);
    expect(back.violations[0]).toBe('t=20.000: node-0#1 epoch 1 follows epoch 2');
  });

  it('reports a token that is not an effective write of that very incarnation', () => {
    const restarted = new FakeNode(0, 2).lead(0, 10, 1); // version 1 was written by incarnation 1
    const checker = new SafetyChecker([restarted], storeOf(0));
    run(checker, [0]);
    expect(checker.violations).toEqual(['t=0.000: node-0#2 holds e1 v1, but v1 is not its effective write']);
    const junk = new SimParameterStore();
    junk.put(lease('node-0', 0), { node: 1, incarnation: 1 }, 0);
    junk.put(lease('node-0', 0), { node: 0, incarnation: 1 }, 1); // landed at basedOn + 2
    const loser = new SafetyChecker([new FakeNode(0).lead(0, 10, 1, 2)], junk);
    run(loser, [0]);
    expect(loser.violations).toHaveLength(2);
  });

  it('reports commands that contradict isLeader', () => {
    const a = new FakeNode(0).lead(0, 10, 1);
    const checker = new SafetyChecker([a], storeOf(0));
    checker.onCommands(a, [{ type: 'lost', reason: 'Superseded', message: '' }], 5);
    checker.onCommands(a, [{ type: 'elected', token: a.token(5)! }], 20);
    checker.onCommands(a, [{ type: 'elected', token: a.token(5)! }], 5);
    expect(checker.violations).toEqual([
      't=5.000: node-0 emitted lost but isLeader is still true',
      't=20.000: node-0 emitted elected but isLeader is false',
    ]);
  });
});

describe('liveness', () => {
  const term = (node: number, start: number, end = Infinity): Interval => ({
    node,
    incarnation: 1,
    epoch: node + 1,
    start,
    end,
  });

  it('allows one retry period to see the change, the lease duration, one more retry period, drift and delays', () => {
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2600, retryPeriodMs: 2000 };
    expect(livenessDeadline(1000, timing, 0, 0)).toBe(8000);
    expect(livenessDeadline(1000, timing, 0.01, 50)).toBeCloseTo(1000 + (7000 * 1.01) / 0.99 + 200, 6);
  });

  it('holds when the leader at the end was elected by the deadline', () => {
    expect(checkLiveness([term(0, 100, 5000), term(1, 5000)], 1000, 9000)).toMatchObject({
      ok: true,
      stableFrom: 5000,
    });
  });

  it('fails when leadership changed or lapsed after the deadline, or nobody leads at the end', () => {
    const late = checkLiveness([term(0, 2000, 9500), term(1, 9600)], 1000, 9000);
    expect(late).toMatchObject({ ok: false, stableFrom: 9600 });
    expect(late.reason).toContain('node-0 e1 [2000, 9500) node-1 e2 [9600, Infinity)');
    expect(checkLiveness([term(0, 2000, 9500)], 1000, 9000)).toMatchObject({ ok: false });
    expect(checkLiveness([], 1000, 9000).reason).toBe('no leader at the end of the run');
  });
});
