import { describe, expect, it } from '@jest/globals';
import { withDefaults } from './definition.js';
import { MAX_BYTES_PER_QUEUE, MAX_MESSAGES_PER_QUEUE, md5Hex, MessageQueue } from './queue.js';
import { parseRule } from './rules.js';

function queue(retentionSeconds = 345_600): MessageQueue {
  const attributes = withDefaults({ MessageRetentionPeriod: retentionSeconds });
  return new MessageQueue({ name: 'q', createdAt: 0, attributes, tags: {} });
}

const T0 = 1_000_000;

describe('MessageQueue', () => {
  it('computes MD5OfBody over the UTF-8 bytes, as the SDK checks it', () => {
    // md5 of the UTF-8 bytes of "héllo" (c3 a9 for é).
    expect(md5Hex('héllo')).toBe('be50e8478cf24ff3595bc7307fb91b50');
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('drops the oldest messages beyond the count cap, and counts them', () => {
    const q = queue();
    for (let i = 0; i <= MAX_MESSAGES_PER_QUEUE; i++) q.send(`m${i}`, 0, T0 + i);
    expect(q.dropped).toBe(1);
    expect(q.counts(T0 + MAX_MESSAGES_PER_QUEUE).visible).toBe(MAX_MESSAGES_PER_QUEUE);
    const [first] = q.receive(1, 30, T0 + MAX_MESSAGES_PER_QUEUE);
    expect(first?.message.body).toBe('m1');
  });

  it('drops the oldest messages beyond the byte budget', () => {
    const q = queue();
    const big = 'x'.repeat(256 * 1024);
    const fit = MAX_BYTES_PER_QUEUE / big.length;
    for (let i = 0; i < fit + 2; i++) q.send(big, 0, T0);
    expect(q.dropped).toBe(2);
    expect(q.counts(T0).visible).toBe(fit);
  });

  it('forgets messages older than the retention period', () => {
    const q = queue(60);
    q.send('old', 0, T0);
    q.send('new', 0, T0 + 30_000);
    expect(q.counts(T0 + 60_000)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    expect(q.receive(10, 30, T0 + 60_000).map((t) => t.message.body)).toEqual(['new']);
    expect(q.dropped).toBe(0);
  });

  it('hides a received message for the visibility timeout, then redelivers it first', () => {
    const q = queue();
    q.send('a', 0, T0);
    q.send('b', 0, T0);
    expect(q.receive(1, 5, T0).map((t) => t.message.body)).toEqual(['a']);
    expect(q.counts(T0 + 1)).toEqual({ visible: 1, inFlight: 1, delayed: 0 });
    expect(q.nextVisibleIn(T0 + 1000)).toBe(4000);
    const again = q.receive(10, 5, T0 + 5000);
    expect(again.map((t) => [t.message.body, t.message.receiveCount])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('keeps a delayed message hidden until its delay passes', () => {
    const q = queue();
    q.send('later', 2, T0);
    expect(q.counts(T0)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(q.receive(1, 30, T0)).toEqual([]);
    expect(q.receive(1, 30, T0 + 2000)).toHaveLength(1);
  });

  it('deletes only with the latest receipt handle; a stale one succeeds without deleting', () => {
    const q = queue();
    q.send('a', 0, T0);
    const first = q.receive(1, 0, T0)[0]?.handle ?? '';
    const second = q.receive(1, 0, T0)[0]?.handle ?? '';
    q.delete(first);
    expect(q.counts(T0).visible).toBe(1);
    q.delete(second);
    expect(q.counts(T0).visible).toBe(0);
    // Deleting again (message gone) is fine, as in SQS.
    expect(() => {
      q.delete(second);
    }).not.toThrow();
  });

  it('refuses malformed receipt handles and handles of another queue', () => {
    const q = queue();
    const other = new MessageQueue({ name: 'other', createdAt: 0, attributes: withDefaults({}), tags: {} });
    other.send('x', 0, T0);
    const foreign = other.receive(1, 30, T0)[0]?.handle ?? '';
    for (const bad of ['garbage', '', foreign, Buffer.from('q ../x y').toString('base64url'), 'a'.repeat(5000)]) {
      expect(() => {
        q.delete(bad);
      }).toThrow(expect.objectContaining({ code: 'ReceiptHandleIsInvalid', status: 404 }));
    }
  });

  it('wakes a waiter on a new message, on close and on abort', async () => {
    const q = queue();
    const started = Date.now();
    const arrival = q.wait(10_000, new AbortController().signal);
    q.send('x', 0, T0);
    await arrival;
    const closing = q.wait(10_000, new AbortController().signal);
    const abort = new AbortController();
    const aborted = q.wait(10_000, abort.signal);
    abort.abort();
    await aborted;
    q.close();
    await closing;
    expect(q.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('emulated rules', () => {
  it('matches every name without rule tags', () => {
    expect(parseRule({ other: 'x' })('/anything')).toBe(true);
  });

  it('matches by prefix', () => {
    const rule = parseRule({ 'csgw:name-prefix': '/cs/gw1/' });
    expect(rule('/cs/gw1/spec/a/b')).toBe(true);
    expect(rule('/cs/gw10/spec/a/b')).toBe(false);
  });

  it('matches EventBridge wildcards, * spanning slashes, everything else literal', () => {
    const rule = parseRule({ 'csgw:name-wildcard': '*/spec/*' });
    expect(rule('/cloudspectra/default/spec/sourcenats/default')).toBe(true);
    expect(rule('/cloudspectra/default/status/i-1')).toBe(false);
    expect(rule('/cloudspectra/default/leases/cluster')).toBe(false);
    const dots = parseRule({ 'csgw:name-wildcard': '/a.b*' });
    expect(dots('/a.bc')).toBe(true);
    expect(dots('/aXbc')).toBe(false);
  });

  it('refuses both rules at once and characters outside names', () => {
    expect(() => parseRule({ 'csgw:name-prefix': '/a', 'csgw:name-wildcard': '*' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    );
    for (const bad of ['', '/a b', '/(x)', '/a\n']) {
      expect(() => parseRule({ 'csgw:name-wildcard': bad })).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue' }),
      );
      expect(() => parseRule({ 'csgw:name-prefix': bad })).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue' }),
      );
    }
    expect(() => parseRule({ 'csgw:name-prefix': '/a*' })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue' }),
    );
  });
});
