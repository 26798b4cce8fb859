import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeChangeQueue, until } from '../../testing/fake-change-queue.js';
import type { ParameterChange } from './decode.js';
import type { EventResult } from './metrics.js';
import { ChangeQueueError } from './ports.js';
import { ChangeWatcher, type FeedState } from './watcher.js';

const running: AbortController[] = [];
afterEach(() => running.splice(0).forEach((a) => a.abort()));

const TIMING = { receiveDeadlineMs: 1_000, backoffBaseMs: 5, backoffMaxMs: 20, toleratedFailures: 3 };

function watch(queue: FakeChangeQueue): {
  changes: ParameterChange[];
  results: EventResult[];
  states: FeedState[];
  deleteFailures: Error[];
  stop: () => void;
} {
  const changes: ParameterChange[] = [];
  const results: EventResult[] = [];
  const states: FeedState[] = [];
  const deleteFailures: Error[] = [];
  const abort = new AbortController();
  running.push(abort);
  const watcher = new ChangeWatcher({
    queue,
    timing: TIMING,
    onChange: (c) => (changes.push(c), 'hint'),
    onEvent: (r) => results.push(r),
    onState: (s) => states.push(s),
    onDeleteFailed: (err) => deleteFailures.push(err),
    random: () => 0.5,
  });
  void watcher.run(abort.signal);
  return { changes, results, states, deleteFailures, stop: () => abort.abort() };
}

const mechanisms = (states: FeedState[]): string[] =>
  states.map((s) => (s.mechanism === 'push' ? 'push' : `polling:${s.reason}`));

describe('ChangeWatcher', () => {
  it('hands on well-formed events, counts garbage, and deletes every message it received', async () => {
    const queue = new FakeChangeQueue();
    queue.sendChange('/cs/gw/spec/fakes/a');
    queue.send('not an event');
    queue.send(JSON.stringify({ source: 'aws.ec2' }));
    const w = watch(queue);
    await until(() => queue.deleted.length === 3, 'deletes');
    expect(w.changes).toEqual([{ name: '/cs/gw/spec/fakes/a', operation: 'Update' }]);
    expect(w.results).toEqual(['hint', 'malformed', 'malformed']);
    expect(mechanisms(w.states)).toEqual(['push']);
    w.stop();
  });

  it('a missing queue turns to polling at once, is retried, and push resumes when the queue is back', async () => {
    const queue = new FakeChangeQueue();
    queue.problem = 'QueueMissing';
    const w = watch(queue);
    await until(() => queue.receives >= 3, 'retries');
    expect(mechanisms(w.states)).toEqual(['polling:QueueMissing']);
    queue.problem = undefined;
    await until(() => w.states.length === 2, 'push back');
    queue.problem = 'QueueForbidden';
    await until(() => w.states.length === 3, 'forbidden');
    expect(mechanisms(w.states)).toEqual(['polling:QueueMissing', 'push', 'polling:QueueForbidden']);
    w.stop();
  });

  it('tolerates a few transient failures in a row before polling takes over', async () => {
    const queue = new FakeChangeQueue(5);
    const w = watch(queue);
    await until(() => w.states.length === 1, 'push');
    queue.failures = 2;
    queue.problem = 'QueueUnavailable';
    const before = queue.receives;
    await until(() => queue.receives >= before + 4, 'two failures, then receives');
    expect(mechanisms(w.states)).toEqual(['push']);
    queue.problem = 'QueueUnavailable';
    await until(() => w.states.length === 2, 'polling');
    expect(mechanisms(w.states)).toEqual(['push', 'polling:QueueUnavailable']);
    w.stop();
  });

  it('a receive that outlives its deadline turns to polling at once: the queue has stalled', async () => {
    const queue = new FakeChangeQueue(60_000);
    const states: FeedState[] = [];
    const abort = new AbortController();
    running.push(abort);
    const watcher = new ChangeWatcher({
      queue,
      timing: { ...TIMING, receiveDeadlineMs: 30 },
      onChange: () => 'hint',
      onEvent: () => undefined,
      onState: (s) => states.push(s),
      onDeleteFailed: () => undefined,
      random: () => 0.5,
    });
    void watcher.run(abort.signal);
    await until(() => states.length === 2, 'polling');
    expect(states[1]).toEqual({
      mechanism: 'polling',
      reason: 'QueueUnavailable',
      message: 'the change queue did not answer before its deadline',
    });
  });

  it('a failed delete is reported and the watcher goes on (the messages come back as duplicates)', async () => {
    const queue = new FakeChangeQueue(5);
    queue.delete = () => Promise.reject(new ChangeQueueError('QueueUnavailable', 'delete failed'));
    queue.sendChange('/cs/gw/spec/fakes/a');
    const w = watch(queue);
    await until(() => w.deleteFailures.length === 1, 'delete failure');
    queue.sendChange('/cs/gw/spec/fakes/b');
    await until(() => w.changes.length === 2, 'next event');
    expect(mechanisms(w.states)).toEqual(['push']);
    w.stop();
  });
});
