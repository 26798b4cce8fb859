import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  significantKey,
  StatusPublisher,
  type StatusPublisherOptions,
  type StatusWriteResult,
} from './status-publisher.js';
import type { ControllerStatus, InstanceStatus } from './status-types.js';

const INTERVAL = 10_000;

function status(
  ready: 'True' | 'False',
  over: Partial<ControllerStatus> = {},
  updatedAt = '2025-01-01T00:00:00.000Z',
): InstanceStatus {
  return {
    instanceId: 'i-1',
    gateway: '/cloudspectra/gw',
    operatorVersion: '0.1.0',
    updatedAt,
    controllers: {
      SourceNat: {
        kind: 'SourceNat',
        name: 'default',
        observedGeneration: 1,
        phase: 'waiting',
        conditions: [
          {
            type: 'Ready',
            status: ready,
            reason: ready === 'True' ? 'Applied' : 'ApplyFailed',
            message: 'm',
            observedGeneration: 1,
            lastTransitionTime: updatedAt,
          },
        ],
        details: { egressInterface: 'ens5', counters: { translatedPackets: 0 } },
        ...over,
      },
    },
  };
}

function options(): Omit<StatusPublisherOptions, 'write'> {
  return { path: '/cloudspectra/gw/status/i-1', minIntervalMs: INTERVAL, now: () => Date.now(), onError: () => {} };
}

function setup(over: Partial<StatusPublisherOptions> = {}): {
  publisher: StatusPublisher;
  writes: { name: string; body: InstanceStatus }[];
  errors: Error[];
  failNext: (n: number) => void;
} {
  const writes: { name: string; body: InstanceStatus }[] = [];
  const errors: Error[] = [];
  let failures = 0;
  const publisher = new StatusPublisher({
    path: '/cloudspectra/gw/status/i-1',
    minIntervalMs: INTERVAL,
    now: () => Date.now(),
    onError: (err) => errors.push(err),
    write: (name, value) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      }
      writes.push({ name, body: JSON.parse(value) as InstanceStatus });
      return Promise.resolve();
    },
    ...over,
  });
  return { publisher, writes, errors, failNext: (n) => void (failures = n) };
}

const readyOf = (s: InstanceStatus): string | undefined => s.controllers.SourceNat?.conditions[0]?.status;

describe('StatusPublisher', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2025-01-01T00:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes the first status at once, to the status path', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([{ name: '/cloudspectra/gw/status/i-1', body: status('True') }]);
  });

  it('coalesces a burst into one write of the latest status per interval', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 2; i <= 6; i++) publisher.offer(status(i % 2 ? 'True' : 'False', { observedGeneration: i }));
    await jest.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(writes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(2);
    expect(writes[1]?.body.controllers.SourceNat?.observedGeneration).toBe(6);
    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(writes).toHaveLength(2);
  });

  it('skips writes when only counters, phase or timestamps changed', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    publisher.offer(
      status(
        'True',
        { phase: 'observing', details: { egressInterface: 'ens5', counters: { translatedPackets: 999 } } },
        '2025-01-01T01:00:00.000Z',
      ),
    );
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(writes).toHaveLength(1);
    publisher.offer(status('True', { details: { egressInterface: 'ens6' } }));
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(writes).toHaveLength(2);
  });

  it('retries after a failed write, one interval later, and reports the error', async () => {
    const { publisher, writes, errors, failNext } = setup();
    failNext(1);
    publisher.offer(status('False'));
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([]);
    expect(errors.map((e) => e.name)).toEqual(['ThrottlingException']);
    await jest.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(writes).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes.map((w) => readyOf(w.body))).toEqual(['False']);
    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(writes).toHaveLength(1);
  });

  it('health() is not ok from a failed write until the next success, and onWrite sees every attempt', async () => {
    const results: StatusWriteResult[] = [];
    const { publisher, failNext } = setup({ onWrite: (r) => results.push(r) });
    expect(publisher.health()).toEqual({ ok: true, message: 'no status written yet' });
    failNext(2);
    publisher.offer(status('False'));
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(publisher.health()).toEqual({
      ok: false,
      message:
        'status write to /cloudspectra/gw/status/i-1 failed 2 time(s), never written: ThrottlingException: Rate exceeded',
    });
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(publisher.health()).toEqual({
      ok: true,
      message: 'status written',
      lastSuccessAt: '2025-01-01T00:00:20.000Z',
    });
    expect(results.map((r) => [r.ok, r.at, r.truncated])).toEqual([
      [false, Date.parse('2025-01-01T00:00:00Z'), false],
      [false, Date.parse('2025-01-01T00:00:10Z'), false],
      [true, Date.parse('2025-01-01T00:00:20Z'), false],
    ]);
  });

  it("shortens a status to the writer's maxBytes (Standard 4 KB without one)", async () => {
    // About 5 KB: too large for Standard, fits Advanced whole.
    const large = status('False', { details: { rejected: Array.from({ length: 250 }, (_, i) => `rule ${i} is bad`) } });
    for (const [maxBytes, truncated] of [
      [undefined, true],
      [8192, false],
    ] as const) {
      const values: string[] = [];
      const write = Object.assign((_: string, v: string) => Promise.resolve(void values.push(v)), { maxBytes });
      const publisher = new StatusPublisher({ ...options(), write });
      publisher.offer(large);
      await jest.advanceTimersByTimeAsync(0);
      expect(Buffer.byteLength(values[0] ?? '')).toBeLessThanOrEqual(maxBytes ?? 4096);
      expect((JSON.parse(values[0] ?? '') as InstanceStatus).truncated === true).toBe(truncated);
    }
  });

  it('writes a status that changed while a write was in flight after the interval', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    publisher.offer(status('False'));
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(writes.map((w) => readyOf(w.body))).toEqual(['True', 'False']);
  });

  it('flush() writes a pending change now (shutdown) and nothing when unchanged', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    publisher.offer(status('False'));
    await publisher.flush();
    expect(writes.map((w) => readyOf(w.body))).toEqual(['True', 'False']);
    await publisher.flush();
    expect(writes).toHaveLength(2);
  });

  it('stop() cancels a scheduled write', async () => {
    const { publisher, writes } = setup();
    publisher.offer(status('True'));
    await jest.advanceTimersByTimeAsync(0);
    publisher.offer(status('False'));
    publisher.stop();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(writes).toHaveLength(1);
  });
});

describe('significantKey', () => {
  it('ignores timestamps, phase and counters', () => {
    const a = status('True');
    const b = status(
      'True',
      { phase: 'applying', details: { egressInterface: 'ens5', counters: { translatedPackets: 5 } } },
      '2030-01-01T00:00:00.000Z',
    );
    expect(significantKey(b)).toBe(significantKey(a));
  });

  it('ignores the packets and bytes of listed rule groups, not the groups themselves', () => {
    const groups = (packets: number, set = 'f0'): ReturnType<typeof status> =>
      status('True', { details: { groups: [{ set, action: 'deny', packets, bytes: packets * 60 }] } });
    expect(significantKey(groups(7))).toBe(significantKey(groups(0)));
    expect(significantKey(groups(7, 'f1'))).not.toBe(significantKey(groups(7)));
  });

  it.each([
    ['a condition status', status('False')],
    ['the observed generation', status('True', { observedGeneration: 2 })],
    ['the resource name', status('True', { name: 'other' })],
    ['a detail', status('True', { details: { egressInterface: 'ens6' } })],
  ])('changes with %s', (_what, changed) => {
    expect(significantKey(changed)).not.toBe(significantKey(status('True')));
  });
});
